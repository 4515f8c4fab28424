package loadtest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/atlas-practice/atlas/internal/inbox"
)

// TestInboxEnvPerReplica: each replica gets an inbox address of its own,
// and giving one its settings changes neither the shared env nor another
// replica's, even when Extra has room to append in place.
func TestInboxEnvPerReplica(t *testing.T) {
	base := ReplicaEnv{Binary: "bin/atlasbot", Portal: "secret", Extra: make([]string, 1, 8)}
	base.Extra[0] = "LOG_LEVEL=info"
	one, addr1, err := InboxEnv(base, InboxDomain)
	if err != nil {
		t.Fatal(err)
	}
	two, addr2, err := InboxEnv(base, InboxDomain)
	if err != nil {
		t.Fatal(err)
	}
	if addr1 == "" || addr1 == addr2 {
		t.Fatalf("inbox addresses %q and %q, want two different ones", addr1, addr2)
	}
	if len(base.Extra) != 1 || base.Extra[:2][1] != "" {
		t.Errorf("the shared env changed: %q", base.Extra[:2])
	}
	for _, c := range []struct {
		env  ReplicaEnv
		addr string
	}{{one, addr1}, {two, addr2}} {
		want := []string{"LOG_LEVEL=info", "INBOX_ADDR=" + c.addr, "INBOX_DOMAINS=" + InboxDomain}
		if strings.Join(c.env.Extra, " ") != strings.Join(want, " ") || c.env.Portal != "secret" {
			t.Errorf("replica env %+v, want Extra %q and the portal secret kept", c.env, want)
		}
	}
}

// recorder is an SMTP server keeping what it is sent; mail for another
// domain is refused, as the inbox refuses it.
type recorder struct {
	mu   sync.Mutex
	msgs [][]byte
}

type recSession struct{ r *recorder }

func (s recSession) Reset()                               {}
func (s recSession) Logout() error                        { return nil }
func (s recSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s recSession) Data(r io.Reader) error               { return s.r.keep(r) }
func (s recSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !strings.HasSuffix(to, "@"+InboxDomain) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	}
	return nil
}

func (r *recorder) keep(body io.Reader) error {
	b, err := io.ReadAll(body)
	r.mu.Lock()
	r.msgs = append(r.msgs, b)
	r.mu.Unlock()
	return err
}

func smtpServer(t *testing.T) (*recorder, string) {
	t.Helper()
	rec := &recorder{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return recSession{rec}, nil }))
	s.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return rec, l.Addr().String()
}

// TestClientsPortalAndInbox: a portal request is right only when the page
// says "Check your email", and comes from an address of its own; an email
// carries a unique Message-ID and a CSV of a few KB the inbox reads as an
// attachment, and a refusal is a failure with the server's words.
func TestClientsPortalAndInbox(t *testing.T) {
	var mu sync.Mutex
	var emails, sources []string
	refuse := false
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		defer mu.Unlock()
		emails, sources = append(emails, r.PostFormValue("email")), append(sources, host)
		if r.Method != http.MethodPost || r.URL.Path != "/portal/login" || refuse {
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, "<html><title>Too many requests</title></html>")
			return
		}
		io.WriteString(w, "<html><title>Check your email</title></html>")
	}))
	defer portal.Close()
	rec, smtpAddr := smtpServer(t)

	p := Practice{Clients: []string{"C0001", "C0002", "C0003"}}
	c := NewClients(p, 2, []string{strings.TrimPrefix(portal.URL, "http://")}, []string{smtpAddr}, InboxDomain)
	for range 2 {
		if s := c.Portal(t.Context()); !s.OK || s.Kind != "portal" || s.Took <= 0 {
			t.Errorf("portal: %+v", s)
		}
	}
	mu.Lock()
	refuse = true
	mu.Unlock()
	if s := c.Portal(t.Context()); s.OK || !strings.Contains(s.Text, "429 Too many requests") {
		t.Errorf("a 429: %+v, want a failure naming it", s)
	}
	mu.Lock()
	if emails[0] == emails[1] || emails[0] != "accounts@c2.example" {
		t.Errorf("addresses asked for %q, want each client's billing address in turn", emails)
	}
	if c.SpreadSources && sources[0] == sources[1] {
		t.Errorf("portal requests came from %q, want an address each", sources)
	}
	mu.Unlock()

	a, b := c.Email(t.Context()), c.Email(t.Context())
	if !a.OK || !b.OK || a.MessageID == "" || a.MessageID == b.MessageID || a.Took <= 0 {
		t.Fatalf("emails: %+v %+v, want two kept with different Message-IDs", a, b)
	}
	rec.mu.Lock()
	raw := rec.msgs[0]
	rec.mu.Unlock()
	parsed, err := inbox.Parse(raw, "", 20)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.MessageID != a.MessageID || !strings.Contains(parsed.Subject, "C0002") || len(parsed.Attachments) != 1 {
		t.Fatalf("parsed %+v, want Message-ID %s, the client's code in the subject and one attachment", parsed, a.MessageID)
	}
	att := parsed.Attachments[0]
	if !strings.HasSuffix(att.Name, ".csv") || len(att.Data) < 2<<10 || len(att.Data) > 8<<10 || !bytes.HasPrefix(att.Data, []byte("Date,")) {
		t.Errorf("attachment %s of %d bytes, want a CSV of a few KB", att.Name, len(att.Data))
	}

	c.Domain = "elsewhere.example"
	c.Inboxes = []string{smtpAddr}
	if s := c.Email(t.Context()); s.OK || s.MessageID != "" || !strings.Contains(s.Text, "RCPT TO") || !strings.Contains(s.Text, "550") {
		t.Errorf("a refused recipient: %+v, want a failure naming RCPT TO and 550", s)
	}
}

// TestClientsRun: paced, each simulated client waits between requests;
// unpaced, it alternates portal and inbox back to back; in a burst it
// plays no part.
func TestClientsRun(t *testing.T) {
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<title>Check your email</title>")
	}))
	defer portal.Close()
	_, smtpAddr := smtpServer(t)
	c := NewClients(Practice{Clients: []string{"C0001"}}, 2, []string{strings.TrimPrefix(portal.URL, "http://")}, []string{smtpAddr}, InboxDomain)

	if s := c.Run(t.Context(), Phase{Name: "burst", Rounds: 3}); s != nil {
		t.Errorf("burst: %d samples, want none", len(s))
	}
	unpaced := c.Run(t.Context(), Phase{Name: "unpaced", Duration: 300 * time.Millisecond})
	kinds := map[string]int{}
	for _, s := range unpaced {
		if !s.OK {
			t.Errorf("unpaced: %+v", s)
		}
		kinds[s.Kind]++
	}
	if kinds["portal"] < 4 || kinds["inbox"] < 4 || kinds["portal"]-kinds["inbox"] > 2 || kinds["inbox"]-kinds["portal"] > 2 {
		t.Errorf("unpaced: %v, want both kinds back to back, alternating", kinds)
	}
	paced := c.Run(t.Context(), Phase{Name: "paced", Pause: 400 * time.Millisecond, Duration: 300 * time.Millisecond})
	if len(paced) > 2 {
		t.Errorf("paced: %d requests in 300 ms with a pause of 200-600 ms each, want at most one each", len(paced))
	}
}

// TestClientFiguresAndGoals: the clients' latencies and failures are
// summed per kind, an email not kept exactly once is an inbox error, both
// count against the phase's errors goal, and the portal and inbox p99
// goals appear once clients have played.
func TestClientFiguresAndGoals(t *testing.T) {
	var samples []ClientSample
	for i := 1; i <= 100; i++ {
		samples = append(samples, ClientSample{Kind: "portal", Took: time.Duration(i) * time.Millisecond, OK: true},
			ClientSample{Kind: "inbox", Took: time.Duration(2*i) * time.Millisecond, OK: true})
	}
	samples = append(samples, ClientSample{Kind: "portal", Took: time.Second, Text: "429 Too many requests"})
	f := Summarise("unpaced", nil)
	f.AddClients(samples)
	if f.Portal.Requests != 101 || f.Portal.Errors != 1 || f.Portal.P50 != 50*time.Millisecond || f.Portal.P99 != 99*time.Millisecond {
		t.Errorf("portal %+v: the failure must count as an error and not as a latency", f.Portal)
	}
	if f.Inbox.Requests != 100 || f.Inbox.Errors != 0 || f.Inbox.P99 != 198*time.Millisecond {
		t.Errorf("inbox %+v", f.Inbox)
	}

	bad, examples := countKept([]string{"a", "b", "c"}, map[string]int{"a": 1, "c": 2})
	if bad != 2 || len(examples) != 2 || !strings.Contains(examples[0], "b answered 250 but kept 0 times") {
		t.Errorf("countKept: %d %q, want b (missing) and c (twice)", bad, examples)
	}
	f.AddUnkept(bad, examples)
	if f.Inbox.Errors != 2 || f.Inbox.Unkept != 2 || f.AllErrors() != 3 {
		t.Errorf("after the check: inbox %+v, all errors %d, want 2 inbox errors and 3 in all", f.Inbox, f.AllErrors())
	}

	var out bytes.Buffer
	Print(&out, 1, []Figures{Summarise("burst", nil), f})
	for _, want := range []string{"portal p99", "inbox p99", "not kept", "portal: 429 Too many requests", "kept 0 times"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\n  burst         0") {
		t.Errorf("a phase without clients has a clients row:\n%s", out.String())
	}

	goals := map[string]Goal{}
	for _, g := range Goals([][]Figures{{f}}) {
		goals[g.What] = g
	}
	if g := goals["unpaced errors = 0"]; g.Met || g.Worst != "3" {
		t.Errorf("errors goal %+v, want missed with the clients' 3", g)
	}
	if g, ok := goals["portal p99 ≤ 500.0 ms"]; !ok || !g.Met {
		t.Errorf("portal goal %+v (%v)", g, ok)
	}
	f.Inbox.P99 = 600 * time.Millisecond
	for _, g := range Goals([][]Figures{{f}}) {
		if g.What == "inbox p99 ≤ 500.0 ms" && g.Met {
			t.Errorf("inbox goal met at 600 ms")
		}
	}
	for _, g := range Goals([][]Figures{{Summarise("paced", nil)}}) {
		if strings.HasPrefix(g.What, "portal") || strings.HasPrefix(g.What, "inbox") {
			t.Errorf("goal %q without any client playing", g.What)
		}
	}
}
