package bot_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// A client's contact uploads a bank statement through the portal against
// its pack's requested item: the item is ticked, and the preparer's DM in
// the Slack stand-in names the file with the pack's Open button.
func TestPortalUploadTellsThePreparer(t *testing.T) {
	t.Parallel()
	w := newBoardWorld(t, "socket")
	task := w.task(w.acme)
	var item int64
	if err := w.pool.QueryRow(w.ctx, `UPDATE task_items SET client_request = 'Bank statements for every account'
		WHERE task_id = $1 AND stage = 1 AND text = 'Bank statements received for every account' RETURNING id`, task.ID).Scan(&item); err != nil {
		t.Fatal(err)
	}
	var contact int64
	if err := w.pool.QueryRow(w.ctx, `INSERT INTO client_contacts (practice_id, entity_id, name, email) VALUES ($1, $2, 'Jane Smith', 'jane@acme.example')
		RETURNING id`, w.pid, w.acme).Scan(&contact); err != nil {
		t.Fatal(err)
	}
	signer := portal.Signer{Secret: []byte("a test secret of thirty-two bytes!")}
	var token string
	if err := pgx.BeginFunc(w.ctx, w.pool, func(tx pgx.Tx) (err error) {
		token, err = signer.NewLink(w.ctx, tx, w.pid, contact, w.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	portal.New(portal.Deps{DB: w.pool, Signer: signer, Clock: w.clock}).Mount(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}

	res, err := browser.Get(srv.URL + "/portal/login?t=" + token)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	mustContain(t, "portal page", string(page), "Bank statements for every account", "Waiting for you")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(page))
	if csrf == nil {
		t.Fatalf("no CSRF field: %s", page)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrf[1])
	f, _ := mw.CreateFormFile("files", "bank-november.pdf")
	_, _ = f.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
	_ = mw.Close()
	res, err = browser.Post(srv.URL+"/portal/items/"+ui.ID(item)+"/files", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s", res.Status)
	}
	var ticked bool
	if err := w.pool.QueryRow(w.ctx, `SELECT done_at IS NOT NULL AND received_by = $2 FROM task_items WHERE id = $1`, item, contact).Scan(&ticked); err != nil || !ticked {
		t.Fatalf("the item is not ticked as received from Jane (%v)", err)
	}
	w.deliver()
	dm := w.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
		return (c.Param("channel") == slackfake.DMChannelID(staffID) || c.Param("channel") == staffID) && strings.Contains(c.Param("text"), "bank-november.pdf")
	})
	mustContain(t, "the preparer's DM", dm.Param("blocks"), "Acme Trading Ltd", "bank-november.pdf", `"action_id":"`+ui.ActionTaskOpen+`","value":"`+ui.ID(task.ID)+`"`)
}
