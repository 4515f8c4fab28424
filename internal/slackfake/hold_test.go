package slackfake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// A held call takes effect at once — its message is kept and the call
// recorded — while its client waits for the answer until Release; a
// client that gives up meanwhile gets nothing, and its message stays.
func TestHoldCalls(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	hold := fake.HoldCalls("chat.postMessage", 2)

	type answer struct {
		ts  string
		err error
	}
	answers := make(chan answer, 2)
	for _, text := range []string{"one", "two"} {
		go func() {
			_, ts, err := api.PostMessage("C1", slack.MsgOptionText(text, false))
			answers <- answer{ts, err}
		}()
	}
	hold.Wait(t)
	if n := len(fake.Messages("C1")); n != 2 {
		t.Fatalf("%d messages kept while their answers are held, want 2", n)
	}
	if n := len(fake.Calls("chat.postMessage")); n != 2 {
		t.Fatalf("%d calls recorded while held, want 2", n)
	}
	select {
	case a := <-answers:
		t.Fatalf("a held call was answered before Release: %+v", a)
	default:
	}

	// Past its n calls the hold holds nothing.
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("three", false)); err != nil {
		t.Fatal(err)
	}
	hold.Release()
	kept := map[string]bool{}
	for _, m := range fake.Messages("C1") {
		kept[m.TS] = true
	}
	for range 2 {
		a := <-answers
		if a.err != nil || !kept[a.ts] {
			t.Fatalf("released answer %+v, kept %v", a, kept)
		}
	}
	hold.Release() // again: harmless

	// A client that stops waiting gets nothing; what it asked for was done.
	gone := fake.HoldCalls("chat.postMessage", 1)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("lost answer", false))
		errs <- err
	}()
	gone.Wait(t)
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("a client that went away: %v", err)
	}
	gone.Release()
	if got := fake.Messages("C2"); len(got) != 1 || got[0].Text != "lost answer" {
		t.Fatalf("the message whose answer was lost: %+v", got)
	}
}

// A hold never released does not keep the fake from closing: Close
// answers what it holds.
func TestCloseReleasesHolds(t *testing.T) {
	fake := NewServer()
	api := newAPI(fake)
	hold := fake.HoldCalls("files.completeUploadExternal", 1)
	done := make(chan error, 1)
	go func() {
		_, err := api.UploadFile(slack.UploadFileParameters{Channel: "C1", Filename: "a.pdf", Content: "%PDF", FileSize: 4})
		done <- err
	}()
	hold.Wait(t)
	if f := fake.Files(); len(f) != 1 || !f[0].Completed {
		t.Fatalf("a held completeUploadExternal did not share the file: %+v", f)
	}
	closed := make(chan struct{})
	go func() {
		fake.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung on a held call")
	}
	<-done
}
