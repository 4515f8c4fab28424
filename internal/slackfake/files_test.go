package slackfake

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// An upload in its three steps, as files.info sees it after each: a
// reserved file is not found, an uploaded one has no shares, and a
// completed one is shared in its channel, in its thread; a public
// channel's share is public, a DM's private. A deleted file is gone.
func TestFilesInfoShares(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	ctx := t.Context()
	content := "client,balance\nAcme,100.00\n"
	reserve := func() string {
		t.Helper()
		u, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "wip.csv", FileSize: len(content)})
		if err != nil {
			t.Fatal(err)
		}
		if err := api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Reader: strings.NewReader(content), Filename: "wip.csv"}); err != nil {
			t.Fatal(err)
		}
		return u.FileID
	}

	u, err := api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "wip.csv", FileSize: len(content)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.GetFileInfoContext(ctx, u.FileID, 0, 0); err == nil || err.Error() != "file_not_found" {
		t.Fatalf("files.info of a file reserved, not uploaded: %v", err)
	}

	id := reserve()
	f, _, _, err := api.GetFileInfoContext(ctx, id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Shares.Public) != 0 || len(f.Shares.Private) != 0 {
		t.Fatalf("a file uploaded and not completed is shared: %+v", f.Shares)
	}

	_, parent, err := api.PostMessage("C1", slack.MsgOptionText("the report", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: id, Title: "WIP"}}, Channel: "C1", ThreadTimestamp: parent}); err != nil {
		t.Fatal(err)
	}
	f, _, _, err = api.GetFileInfoContext(ctx, id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := fake.File(id)
	shares := f.Shares.Public["C1"]
	if len(shares) != 1 || shares[0].ThreadTs != parent || shares[0].Ts == "" || shares[0].Ts != stored.ShareTS || len(f.Shares.Private) != 0 {
		t.Fatalf("shares after completing into C1's thread %s: %+v", parent, f.Shares)
	}

	dm := reserve()
	if _, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: dm}}, Channel: DMChannelID("UPAT")}); err != nil {
		t.Fatal(err)
	}
	f, _, _, err = api.GetFileInfoContext(ctx, dm, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if shares := f.Shares.Private[DMChannelID("UPAT")]; len(shares) != 1 || shares[0].ThreadTs != "" || len(f.Shares.Public) != 0 {
		t.Fatalf("shares after completing into a DM: %+v", f.Shares)
	}

	if !fake.DeleteFile(id) || fake.DeleteFile(id) {
		t.Fatal("DeleteFile did not delete the file once")
	}
	if _, _, _, err := api.GetFileInfoContext(ctx, id, 0, 0); err == nil || err.Error() != "file_not_found" {
		t.Fatalf("files.info of a deleted file: %v", err)
	}
	if _, err := api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: id}}, Channel: "C1"}); err == nil || err.Error() != "file_not_found" {
		t.Fatalf("completing a deleted file: %v", err)
	}
	if n := len(fake.Files()); n != 2 {
		t.Fatalf("%d files listed after one of 3 was deleted, want 2", n)
	}
}
