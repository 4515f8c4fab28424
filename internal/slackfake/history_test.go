package slackfake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func tsOf(msgs []slack.Message) string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Timestamp
	}
	return strings.Join(out, ",")
}

// The bot's posts, with their metadata, and people's messages come back
// from conversations.history newest first, without the replies in threads,
// and with metadata only when it is asked for.
func TestConversationsHistory(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	md := slack.SlackMetadata{EventType: "atlas_post", EventPayload: map[string]any{"key": "k1"}}
	_, first, err := api.PostMessage("C1", slack.MsgOptionText("first", false), slack.MsgOptionMetadata(md))
	if err != nil {
		t.Fatal(err)
	}
	person := fake.AddMessage(Message{Channel: "C1", Text: "a person says"})
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("in the thread", false), slack.MsgOptionTS(first)); err != nil {
		t.Fatal(err)
	}
	_, last, err := api.PostMessage("C1", slack.MsgOptionText("last", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage("C2", slack.MsgOptionText("elsewhere", false)); err != nil {
		t.Fatal(err)
	}
	if got := fake.Messages("C1"); len(got) != 4 || string(got[0].Metadata) == "" || got[2].ThreadTS != first {
		t.Fatalf("kept %+v", got)
	}

	for _, c := range []struct {
		name   string
		params slack.GetConversationHistoryParameters
		want   []string
		more   bool
	}{
		{"all", slack.GetConversationHistoryParameters{}, []string{last, person.TS, first}, false},
		{"oldest is exclusive", slack.GetConversationHistoryParameters{Oldest: first}, []string{last, person.TS}, false},
		{"inclusive", slack.GetConversationHistoryParameters{Oldest: first, Latest: person.TS, Inclusive: true}, []string{person.TS, first}, false},
		{"latest", slack.GetConversationHistoryParameters{Latest: last}, []string{person.TS, first}, false},
		{"limit", slack.GetConversationHistoryParameters{Limit: 2}, []string{last, person.TS}, true},
		{"whole seconds", slack.GetConversationHistoryParameters{Oldest: "0"}, []string{last, person.TS, first}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.params.ChannelID = "C1"
			res, err := api.GetConversationHistory(&c.params)
			if err != nil {
				t.Fatal(err)
			}
			if got := tsOf(res.Messages); got != strings.Join(c.want, ",") || res.HasMore != c.more {
				t.Fatalf("got %s (more %v), want %s (more %v)", got, res.HasMore, strings.Join(c.want, ","), c.more)
			}
		})
	}

	res, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", Oldest: person.TS})
	if err != nil || len(res.Messages) != 1 || res.Messages[0].Metadata.EventType != "" {
		t.Fatalf("metadata without include_all_metadata: %+v (%v)", res, err)
	}
	res, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Messages[2]
	if got.Metadata.EventType != "atlas_post" || got.Metadata.EventPayload["key"] != "k1" || got.BotID != BotID ||
		got.ReplyCount != 1 || res.Messages[1].User != "U0PERSON01" || res.Messages[1].BotID != "" {
		t.Fatalf("messages %+v", res.Messages)
	}

	// Paging with the cursor walks back to the oldest, one at a time.
	var seen []string
	params := slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 1}
	for range 5 {
		res, err := api.GetConversationHistory(&params)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, tsOf(res.Messages))
		if params.Cursor = res.ResponseMetaData.NextCursor; params.Cursor == "" {
			break
		}
	}
	if strings.Join(seen, ",") != strings.Join([]string{last, person.TS, first}, ",") {
		t.Fatalf("paged %q", seen)
	}
	if _, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", Cursor: "bogus"}); err == nil || err.Error() != "invalid_cursor" {
		t.Fatalf("a bad cursor: %v", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false), slack.MsgOptionMetadata(slack.SlackMetadata{})); err == nil || err.Error() != "invalid_metadata_format" {
		t.Fatalf("metadata without an event type: %v", err)
	}

	// An update redraws the kept message; a delete removes it.
	if _, _, _, err := api.UpdateMessage("C1", last, slack.MsgOptionText("last, redrawn", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.DeleteMessage("C1", person.TS); err != nil {
		t.Fatal(err)
	}
	if got := fake.Messages("C1"); len(got) != 3 || got[2].Text != "last, redrawn" {
		t.Fatalf("after update and delete: %+v", got)
	}
}

// A thread comes back from conversations.replies parent first, then its
// replies oldest first, as Slack sends it.
func TestConversationsReplies(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	_, parent, err := api.PostMessage("C1", slack.MsgOptionText("parent", false))
	if err != nil {
		t.Fatal(err)
	}
	var replies []string
	for i := range 3 {
		md := slack.SlackMetadata{EventType: "atlas_post", EventPayload: map[string]any{"key": fmt.Sprint(i)}}
		_, ts, err := api.PostMessage("C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(parent), slack.MsgOptionMetadata(md))
		if err != nil {
			t.Fatal(err)
		}
		replies = append(replies, ts)
	}
	fake.AddMessage(Message{Channel: "C1", ThreadTS: parent, Text: "a person replies"})

	ctx := context.Background()
	msgs, more, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent,
		Oldest: replies[0], IncludeAllMetadata: true, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := tsOf(msgs); got != strings.Join([]string{parent, replies[1], replies[2]}, ",") || !more {
		t.Fatalf("replies %s (more %v)", got, more)
	}
	if msgs[2].Metadata.EventPayload["key"] != "2" || msgs[2].ThreadTimestamp != parent {
		t.Fatalf("reply %+v", msgs[2])
	}

	var all []string
	params := slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent, Limit: 2}
	for range 5 {
		msgs, _, next, err := api.GetConversationRepliesContext(ctx, &params)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, tsOf(msgs))
		if params.Cursor = next; next == "" {
			break
		}
	}
	if len(strings.Split(strings.Join(all, ","), ",")) != 5 || !strings.HasPrefix(all[0], parent+","+replies[0]) {
		t.Fatalf("paged %q", all)
	}
	if msgs, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent}); err != nil || msgs[1].Metadata.EventType != "" {
		t.Fatalf("metadata without include_all_metadata: %+v (%v)", msgs, err)
	}
	if _, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: "1.000001"}); err == nil || err.Error() != "thread_not_found" {
		t.Fatalf("an unknown thread: %v", err)
	}
}

// files.list finds shared files by channel, uploader, time and type,
// newest first, a page at a time; a file reserved and never shared is not
// listed.
func TestFilesList(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	ctx := context.Background()
	before := time.Now().Unix()
	for i, ch := range []string{"C1", "C1", "C2"} {
		if _, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Channel: ch, Filename: fmt.Sprintf("f%d.pdf", i),
			Title: fmt.Sprintf("File %d", i), Content: "%PDF", FileSize: 4}); err != nil {
			t.Fatal(err)
		}
	}
	fake.AddFile("U0PERSON01", "C1", "photo.png", []byte("png"))
	if _, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "never.pdf", FileSize: 4}); err != nil {
		t.Fatal(err)
	}

	names := func(files []slack.File) string {
		out := make([]string, len(files))
		for i, f := range files {
			out[i] = f.Name
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		name   string
		params func(*slack.GetFilesParameters)
		want   string
	}{
		{"all", func(*slack.GetFilesParameters) {}, "photo.png,f2.pdf,f1.pdf,f0.pdf"},
		{"channel", func(p *slack.GetFilesParameters) { p.Channel = "C1" }, "photo.png,f1.pdf,f0.pdf"},
		{"the bot's", func(p *slack.GetFilesParameters) { p.Channel, p.User = "C1", BotUserID }, "f1.pdf,f0.pdf"},
		{"since", func(p *slack.GetFilesParameters) { p.TimestampFrom = slack.JSONTime(before) }, "photo.png,f2.pdf,f1.pdf,f0.pdf"},
		{"after", func(p *slack.GetFilesParameters) { p.TimestampFrom = slack.JSONTime(before + 3600) }, ""},
		{"until", func(p *slack.GetFilesParameters) { p.TimestampTo = slack.JSONTime(before - 1) }, ""},
		{"pdfs", func(p *slack.GetFilesParameters) { p.Types = "pdfs" }, "f2.pdf,f1.pdf,f0.pdf"},
		{"images", func(p *slack.GetFilesParameters) { p.Types = "images,zips" }, "photo.png"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := slack.NewGetFilesParameters()
			c.params(&p)
			files, _, err := api.GetFilesContext(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(files); got != c.want {
				t.Fatalf("listed %s, want %s", got, c.want)
			}
		})
	}

	p := slack.NewGetFilesParameters()
	p.Count, p.Page = 3, 2
	files, paging, err := api.GetFilesContext(ctx, p)
	if err != nil || names(files) != "f0.pdf" || paging.Pages != 2 || paging.Total != 4 || files[0].Title != "File 0" {
		t.Fatalf("page 2 of 3: %s %+v (%v)", names(files), paging, err)
	}
	var slackErr slack.SlackErrorResponse
	p.Page = 0
	if _, _, err := api.GetFilesContext(ctx, p); !errors.As(err, &slackErr) || slackErr.Err != "invalid_arguments" {
		t.Fatalf("page 0: %v", err)
	}
}
