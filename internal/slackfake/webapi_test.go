package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestPostMessageIsRecordedWithBlocks(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)

	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*VAT due*", false, false), nil, nil))
	ch, ts1, err := api.PostMessage("C1", slack.MsgOptionText("VAT due", false), blocks)
	if err != nil {
		t.Fatal(err)
	}
	_, ts2, err := api.PostMessage("U9", slack.MsgOptionText("hi", false))
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C1" || ts1 == "" || ts1 == ts2 {
		t.Fatalf("channel %q ts %q %q", ch, ts1, ts2)
	}

	c := fake.WaitForCall(t, "chat.postMessage", func(c Call) bool { return c.Param("channel") == "C1" })
	if c.Token != testBotToken || c.Param("text") != "VAT due" {
		t.Fatalf("call = %+v", c)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(c.Param("blocks")), &got); err != nil || len(got) != 1 || got[0]["type"] != "section" {
		t.Fatalf("blocks = %s (%v)", c.Param("blocks"), err)
	}
	var resp struct {
		TS      string `json:"ts"`
		Message struct {
			Blocks []json.RawMessage `json:"blocks"`
		} `json:"message"`
	}
	if err := json.Unmarshal(c.Response, &resp); err != nil || resp.TS != ts1 || len(resp.Message.Blocks) != 1 {
		t.Fatalf("response = %s", c.Response)
	}
	if dm := fake.Calls("chat.postMessage")[1]; !strings.Contains(string(dm.Response), `"channel":"`+DMChannelID("U9")+`"`) {
		t.Fatalf("post to a user id answered %s", dm.Response)
	}

	if _, _, err := api.PostMessage("C1"); err == nil || err.Error() != "no_text" {
		t.Fatalf("empty message: err = %v", err)
	}
	if _, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("only you", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage("C1", ts1, slack.MsgOptionText("VAT paid", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.DeleteMessage("C1", ts1); err != nil {
		t.Fatal(err)
	}
	if u := fake.Calls("chat.update"); len(u) != 1 || u[0].Param("ts") != ts1 || u[0].Param("text") != "VAT paid" {
		t.Fatalf("chat.update calls = %+v", u)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	fake.RateLimit("chat.postMessage", 3*time.Second, 1)

	_, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("err = %#v, want *slack.RateLimitedError with RetryAfter 3s", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("second call should pass: %v", err)
	}
	if got := fake.RateLimitedCalls("chat.postMessage"); len(got) != 1 || !got[0].RateLimited || got[0].Param("text") != "hi" {
		t.Fatalf("rate limited calls = %+v", got)
	}
	if got := fake.Calls("chat.postMessage"); len(got) != 1 {
		t.Fatalf("answered calls = %d", len(got))
	}
	if got := fake.AllCalls(); len(got) != 2 {
		t.Fatalf("all calls = %d", len(got))
	}
}

func TestFilesUploadV2(t *testing.T) {
	fake := New(t)
	content := "client,balance\nAcme,100.00\n"
	sum, err := newAPI(fake).UploadFileContext(t.Context(), slack.UploadFileParameters{
		Filename:       "balances.csv",
		FileSize:       len(content),
		Reader:         strings.NewReader(content),
		Title:          "Balances",
		Channel:        "C1",
		InitialComment: "Month end",
	})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := fake.File(sum.ID)
	if !ok || string(f.Content) != content || !f.Uploaded || !f.Completed {
		t.Fatalf("file = %+v", f)
	}
	if f.Name != "balances.csv" || f.Length != len(content) || f.Title != "Balances" || f.ChannelID != "C1" ||
		f.InitialComment != "Month end" || f.UploadToken != testBotToken {
		t.Fatalf("file = %+v", f)
	}
	if sum.Title != "Balances" || len(fake.Files()) != 1 {
		t.Fatalf("summary = %+v, files = %d", sum, len(fake.Files()))
	}
	fake.WaitForCall(t, "files.getUploadURLExternal", func(c Call) bool { return c.Param("filename") == "balances.csv" })
	fake.WaitForCall(t, "files.completeUploadExternal", func(c Call) bool { return c.Param("channel_id") == "C1" })
}

// A person's file: files.info describes it, and its url_private_download
// serves its bytes through slack-go's GetFile to a bearer of the bot token
// alone.
func TestFilesInfoAndDownload(t *testing.T) {
	fake := New(t, WithBotToken(testBotToken))
	content := []byte("%PDF-1.4\nbank rec\n%%EOF\n")
	added := fake.AddFile("U1", "C1", "bank rec.pdf", content)
	api := newAPI(fake)

	f, _, _, err := api.GetFileInfoContext(t.Context(), added.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != added.ID || f.Name != "bank rec.pdf" || f.Size != len(content) || f.Mimetype != "application/pdf" || f.Filetype != "pdf" ||
		f.User != "U1" || f.IsExternal || !strings.HasPrefix(f.URLPrivateDownload, fake.URL()+"/files-pri/") {
		t.Fatalf("files.info = %+v", f)
	}
	if obj := fake.FileObject(added.ID); obj["url_private_download"] != f.URLPrivateDownload {
		t.Fatalf("FileObject = %v", obj)
	}
	var got bytes.Buffer
	if err := api.GetFileContext(t.Context(), f.URLPrivateDownload, &got); err != nil || !bytes.Equal(got.Bytes(), content) {
		t.Fatalf("download = %q, %v", got.Bytes(), err)
	}
	if f, _ := fake.File(added.ID); f.Downloads != 1 {
		t.Fatalf("downloads = %d", f.Downloads)
	}

	// Another token is refused; an unknown file is not found.
	if err := slack.New("xoxb-other", slack.OptionAPIURL(fake.APIURL())).GetFileContext(t.Context(), f.URLPrivateDownload, io.Discard); err == nil {
		t.Fatal("downloaded with another token")
	}
	if _, _, _, err := api.GetFileInfoContext(t.Context(), "FNOPE", 0, 0); err == nil || err.Error() != "file_not_found" {
		t.Fatalf("unknown file: %v", err)
	}
	if err := api.GetFileContext(t.Context(), fake.URL()+"/files-pri/"+TeamID+"-FNOPE/download/x.pdf", io.Discard); err == nil {
		t.Fatal("downloaded an unknown file")
	}
	if f, _ := fake.File(added.ID); f.Downloads != 1 {
		t.Fatalf("downloads = %d", f.Downloads)
	}
}

func TestViews(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	modal := slack.ModalViewRequest{
		Type:       slack.VTModal,
		Title:      slack.NewTextBlockObject("plain_text", "Add client", false, false),
		CallbackID: "add_client",
		Blocks:     slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}},
	}
	opened, err := api.OpenView("1.2.abc", modal)
	if err != nil {
		t.Fatal(err)
	}
	if opened.ID == "" || opened.CallbackID != "add_client" || opened.TeamID != TeamID || len(opened.Blocks.BlockSet) != 1 {
		t.Fatalf("opened = %+v", opened.View)
	}
	updated, err := api.UpdateView(modal, "", "", opened.ID)
	if err != nil || updated.ID != opened.ID {
		t.Fatalf("update: %v %+v", err, updated)
	}
	if _, err := api.OpenView("", modal); err == nil {
		t.Fatal("views.open without trigger_id should fail")
	}
	if pushed, err := api.PushView("1.2.abc", modal); err != nil || pushed.ID == opened.ID {
		t.Fatalf("push: %v", err)
	}

	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}}
	first, err := api.PublishView("U1", home, "")
	if err != nil {
		t.Fatal(err)
	}
	again, err := api.PublishView("U1", home, "")
	if err != nil || again.ID != first.ID || first.Type != slack.VTHomeTab {
		t.Fatalf("republish: %v, ids %q %q", err, first.ID, again.ID)
	}
	c := fake.WaitForCall(t, "views.publish", func(c Call) bool { return c.Param("user_id") == "U1" })
	var v struct {
		Type   string            `json:"type"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(c.Param("view")), &v); err != nil || v.Type != "home" || len(v.Blocks) != 1 {
		t.Fatalf("published view = %s", c.Param("view"))
	}
}

func TestUsersConversationsAndAuth(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	fake.AddUser("U1", "jo", "Jo Bloggs", "jo@example.com")

	u, err := api.GetUserInfo("U1")
	if err != nil || u.Name != "jo" || u.RealName != "Jo Bloggs" || u.Profile.Email != "jo@example.com" {
		t.Fatalf("user = %+v, %v", u, err)
	}
	if _, err := api.GetUserInfo("U404"); err == nil || err.Error() != "user_not_found" {
		t.Fatalf("unknown user: %v", err)
	}

	ch, _, already, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || ch.ID != DMChannelID("U1") || already {
		t.Fatalf("conversations.open = %+v %v %v", ch, already, err)
	}
	if _, _, already, _ := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}}); !already {
		t.Fatal("second open should report already_open")
	}

	auth, err := api.AuthTest()
	if err != nil || auth.UserID != BotUserID || auth.TeamID != TeamID || auth.BotID != BotID {
		t.Fatalf("auth.test = %+v, %v", auth, err)
	}
}

func TestTokens(t *testing.T) {
	fake := New(t, WithBotToken(testBotToken))
	// Socket Mode needs the app-level token...
	wrong := slack.New(testBotToken, slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken(testBotToken))
	if _, _, err := wrong.StartSocketModeContext(t.Context()); err == nil || err.Error() != "not_allowed_token_type" {
		t.Fatalf("apps.connections.open with a bot token: %v", err)
	}
	// ...which in turn is refused by ordinary methods.
	appOnly := slack.New(testAppToken, slack.OptionAPIURL(fake.APIURL()))
	if _, err := appOnly.AuthTest(); err == nil || err.Error() != "not_allowed_token_type" {
		t.Fatalf("auth.test with an app token: %v", err)
	}
	other := slack.New("xoxb-other", slack.OptionAPIURL(fake.APIURL()))
	if _, err := other.AuthTest(); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("auth.test with the wrong bot token: %v", err)
	}
}

func TestJSONBodyAndUnknownMethod(t *testing.T) {
	fake := New(t)
	post := func(method, body string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, fake.APIURL()+method, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Authorization", "Bearer "+testBotToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}

	if out := post("chat.postMessage", `{"channel":"C1","text":"hi","unfurl_links":false,"blocks":[{"type":"divider"}]}`); out["ok"] != true {
		t.Fatalf("chat.postMessage = %v", out)
	}
	c := fake.Calls("chat.postMessage")[0]
	if c.Token != testBotToken || c.Param("channel") != "C1" || c.Param("unfurl_links") != "false" ||
		c.Param("blocks") != `[{"type":"divider"}]` {
		t.Fatalf("params = %v", c.Params)
	}

	if out := post("admin.nuke", `{}`); out["ok"] != false || out["error"] != "unknown_method" {
		t.Fatalf("unknown method = %v", out)
	}
	if c := fake.Calls("admin.nuke"); len(c) != 1 || c[0].Error != "unknown_method" {
		t.Fatalf("unknown method not recorded: %+v", c)
	}
}

func TestFailCallAndWaitForConcurrentCall(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	fake.FailCall("chat.postMessage", "channel_not_found", 1)

	errc := make(chan error, 2)
	go func() {
		_, _, err := api.PostMessage("C1", slack.MsgOptionText("first", false))
		errc <- err
		_, _, err = api.PostMessage("C1", slack.MsgOptionText("second", false))
		errc <- err
	}()
	c := fake.WaitForCall(t, "chat.postMessage", func(c Call) bool { return c.Param("text") == "second" })
	if c.Error != "" || c.Seq != 2 {
		t.Fatalf("second call = %+v", c)
	}
	if err := <-errc; err == nil || err.Error() != "channel_not_found" {
		t.Fatalf("first call err = %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestSignRequestVerifiesWithSlackGo(t *testing.T) {
	body := []byte(`command=%2Fatlas&text=help`)
	req, _ := http.NewRequest(http.MethodPost, "http://bot.invalid/slack/commands", bytes.NewReader(body))
	SignRequest(req, "s3cret", body, time.Now())

	sv, err := slack.NewSecretsVerifier(req.Header, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = sv.Write(body)
	if err := sv.Ensure(); err != nil {
		t.Fatalf("signature rejected: %v", err)
	}

	sv, err = slack.NewSecretsVerifier(req.Header, "other")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = sv.Write(body)
	if err := sv.Ensure(); err == nil {
		t.Fatal("wrong secret accepted")
	}

	SignRequest(req, "s3cret", body, time.Now().Add(-10*time.Minute))
	if _, err := slack.NewSecretsVerifier(req.Header, "s3cret"); !errors.Is(err, slack.ErrExpiredTimestamp) {
		t.Fatalf("old timestamp: %v", err)
	}
}
