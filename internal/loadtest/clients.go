package loadtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlas-practice/atlas/internal/db"
)

// InboxDomain is the domain the replicas' inboxes take mail for in the
// load test. The practice sets no inbox_local, and a deployment of one
// practice takes any local part, so docs@InboxDomain reaches it.
const InboxDomain = "in.ledgerline.example"

// InboxEnv is a copy of e for one replica, with an SMTP address of its own
// for the smart inbox (returned too, for the clients to send to). Extra is
// copied, not appended to in place: the replicas share e's backing array,
// and each must see only its own INBOX_ADDR.
func InboxEnv(e ReplicaEnv, domain string) (ReplicaEnv, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return e, "", err
	}
	e.Extra = append(slices.Clone(e.Extra), "INBOX_ADDR="+addr, "INBOX_DOMAINS="+domain)
	return e, addr, nil
}

// ClientSample is one client request's outcome: a portal page asked for or
// an email sent.
type ClientSample struct {
	Kind string        // "portal" or "inbox"
	Took time.Duration // request sent → whole page read, or dialled → 250 after the data
	OK   bool
	Text string // what went wrong, when not OK
	// MessageID is an email's Message-ID (without angle brackets), set
	// when the inbox answered 250: it must then be kept exactly once.
	MessageID string
}

// Clients plays the practice's clients: each asks the portal for a sign-in
// link and emails a document to the inbox, in turn, against the replicas
// round-robin.
type Clients struct {
	Sims    int      // simulated clients playing at once
	Portals []string // the replicas' HTTP addresses
	Inboxes []string // the replicas' SMTP addresses
	Domain  string   // the inbox's domain
	Codes   []string // the practice's client codes; client i is billed at accounts@c<i+1>.example

	// SpreadSources: each portal request comes from an address of its own
	// in 127.0.0.0/8 (see source).
	SpreadSources bool

	// portals and emails number the requests of each kind: the number
	// picks the replica (round-robin), the client and, for the portal, the
	// source address. Each kind has its own, so that each goes through
	// every client in turn: five link requests an hour per address are
	// allowed, and more would be refused.
	portals, emails atomic.Uint64
	tag             string // makes this load test's Message-IDs its own
	http            *http.Client
}

// NewClients returns sims clients for the practice p against the replicas
// at portals (HTTP) and inboxes (SMTP).
func NewClients(p Practice, sims int, portals, inboxes []string, domain string) *Clients {
	c := &Clients{Sims: sims, Portals: portals, Inboxes: inboxes, Domain: domain, Codes: p.Clients,
		SpreadSources: canBindLoopback(), tag: fmt.Sprintf("%x", time.Now().UnixNano())}
	dialer := &net.Dialer{Timeout: AnswerTimeout}
	c.http = &http.Client{
		Timeout: AnswerTimeout,
		Transport: &http.Transport{
			// A new connection per request, as each client's browser opens
			// its own; and each may come from its own address.
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				d := *dialer
				if ip, ok := ctx.Value(sourceKey{}).(net.IP); ok {
					d.LocalAddr = &net.TCPAddr{IP: ip}
				}
				return d.DialContext(ctx, network, addr)
			},
		},
		// The answer is the page itself: a redirect would be a wrong one.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

type sourceKey struct{}

// source is the address portal request k comes from. The portal allows 30
// link requests an hour per asking IP address, and real clients ask from
// as many addresses as there are clients; from 127.0.0.1 alone the load
// test would be refused after 30 and measure the refusal. Linux routes the
// whole of 127.0.0.0/8 to the loopback interface, so any of it can be a
// source without setting anything up.
func source(k uint64) net.IP {
	k %= 250 * 256 * 256
	return net.IPv4(127, byte(1+k>>16), byte(k>>8), byte(k))
}

// canBindLoopback reports whether addresses of 127.0.0.0/8 other than
// 127.0.0.1 can be bound here (not on macOS without aliases).
func canBindLoopback() bool {
	l, err := net.Listen("tcp", source(1).String()+":0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// email is the billing address the seed gives client i (0-based).
func email(i int) string { return fmt.Sprintf("accounts@c%d.example", i+1) }

// Portal asks replica k%n's portal for a sign-in link for a client's
// billing address. Only 200 "Check your email" is right: 429 is the portal
// refusing too many links for one address, which the load test avoids by
// taking the clients' addresses in turn (five an hour each are allowed).
func (c *Clients) Portal(ctx context.Context) ClientSample {
	k := c.portals.Add(1)
	s := ClientSample{Kind: "portal"}
	form := url.Values{"email": {email(int(k % uint64(len(c.Codes))))}}
	target := "http://" + c.Portals[k%uint64(len(c.Portals))] + "/portal/login"
	if c.SpreadSources {
		ctx = context.WithValue(ctx, sourceKey{}, source(k))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		s.Text = err.Error()
		return s
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		s.Took, s.Text = time.Since(start), err.Error()
		return s
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	s.Took = time.Since(start)
	switch {
	case err != nil:
		s.Text = "reading the page: " + err.Error()
	case resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("Check your email")):
		s.Text = fmt.Sprintf("%d %s", resp.StatusCode, pageTitle(body))
	default:
		s.OK = true
	}
	return s
}

// pageTitle is a page's <title>, to say what a wrong answer was.
func pageTitle(body []byte) string {
	_, rest, ok := bytes.Cut(body, []byte("<title>"))
	if !ok {
		return truncate(string(body), 80)
	}
	title, _, _ := bytes.Cut(rest, []byte("</title>"))
	return strings.TrimSpace(string(title))
}

// Email sends a client's email, with a bank statement attached as a CSV
// of a few KB, to replica k%n's inbox. The subject names the client's
// code, so the inbox files it with the client. Anything but 250 after the
// data is a failure.
func (c *Clients) Email(ctx context.Context) ClientSample {
	k := c.emails.Add(1)
	i := int(k % uint64(len(c.Codes)))
	s := ClientSample{Kind: "inbox"}
	from := email(i)
	id := fmt.Sprintf("load-%s-%d@c%d.example", c.tag, k, i+1)
	msg := message(from, "docs@"+c.Domain, c.Codes[i], id, int(k))

	took, err := send(ctx, c.Inboxes[k%uint64(len(c.Inboxes))], from, "docs@"+c.Domain, msg)
	s.Took = took
	if err != nil {
		s.Text = err.Error()
		return s
	}
	s.OK, s.MessageID = true, id
	return s
}

// send is one SMTP conversation; took runs from dialling to the 250 that
// says the message was kept, which is when a sender's "sent" shows. QUIT
// follows, outside it.
func send(ctx context.Context, addr, from, to string, msg []byte) (took time.Duration, err error) {
	start := time.Now()
	conn, err := (&net.Dialer{Timeout: AnswerTimeout}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return time.Since(start), err
	}
	defer conn.Close()
	_ = conn.SetDeadline(start.Add(AnswerTimeout))
	host, _, _ := net.SplitHostPort(addr)
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		return time.Since(start), fmt.Errorf("greeting: %w", err)
	}
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if err := step("EHLO", cl.Hello("mail.client.example")); err != nil {
		return time.Since(start), err
	}
	if err := step("MAIL FROM", cl.Mail(from)); err != nil {
		return time.Since(start), err
	}
	if err := step("RCPT TO", cl.Rcpt(to)); err != nil {
		return time.Since(start), err
	}
	w, err := cl.Data()
	if err != nil {
		return time.Since(start), step("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return time.Since(start), step("writing the message", err)
	}
	err = w.Close()
	took = time.Since(start)
	if err != nil {
		return took, step("after the data", err)
	}
	_ = cl.Quit()
	return took, nil
}

// message is an email from a client's bookkeeper: a line of text and a
// bank statement for the month as a CSV attachment of about 3 KB.
func message(from, to, code, id string, k int) []byte {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fmt.Fprintf(&b, "From: Accounts <%s>\r\nTo: %s\r\nSubject: %s bank statement\r\nDate: %s\r\nMessage-ID: <%s>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n",
		from, to, code, time.Now().Format(time.RFC1123Z), id, mw.Boundary())
	text, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}})
	fmt.Fprintf(text, "Hello,\r\n\r\nPlease find this month's bank statement for %s attached.\r\n\r\nThanks\r\n", code)
	name := fmt.Sprintf("bank-statement-%s.csv", strings.ToLower(code))
	att, _ := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {`text/csv; name="` + name + `"`},
		"Content-Disposition":       {`attachment; filename="` + name + `"`},
		"Content-Transfer-Encoding": {"base64"},
	})
	enc := base64.StdEncoding.EncodeToString(statement(k))
	for len(enc) > 76 {
		fmt.Fprintf(att, "%s\r\n", enc[:76])
		enc = enc[76:]
	}
	fmt.Fprintf(att, "%s\r\n", enc)
	mw.Close()
	return b.Bytes()
}

// statement is a bank export of 60 lines, different for each k.
func statement(k int) []byte {
	r := rand.New(rand.NewPCG(uint64(k), 3))
	payees := []string{"Card payment TESCO STORES", "Direct debit HMRC VAT", "Faster payment from customer", "Standing order rent",
		"Card payment SHELL", "BACS salary run", "Direct debit British Gas", "Transfer to savings"}
	var b bytes.Buffer
	b.WriteString("Date,Description,Amount,Balance\n")
	balance := 10000.0
	for d := range 60 {
		amount := float64(r.IntN(200000)-120000) / 100
		balance += amount
		fmt.Fprintf(&b, "2026-%02d-%02d,%s,%.2f,%.2f\n", 1+d/28, 1+d%28, payees[r.IntN(len(payees))], amount, balance)
	}
	return b.Bytes()
}

// Warm waits for every replica's inbox to take connections (a replica is
// ready on /readyz a moment before its SMTP server listens), then sends
// each replica one portal request and one email, uncounted, as the
// people's warm-up does; any failure is returned.
func (c *Clients) Warm(ctx context.Context) error {
	for _, addr := range c.Inboxes {
		if err := waitListening(ctx, addr); err != nil {
			return err
		}
	}
	for range len(c.Portals) {
		for _, s := range []ClientSample{c.Portal(ctx), c.Email(ctx)} {
			if !s.OK {
				return fmt.Errorf("warming up the %s: %s", s.Kind, s.Text)
			}
		}
	}
	return nil
}

// waitListening dials addr until it takes a connection, for up to 30 s.
func waitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("inbox at %s not listening: %w", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Run plays a paced or unpaced phase with every simulated client, each
// alternating a portal request and an email: paced, one every ph.Pause
// (± half); unpaced, back to back. Clients take no part in bursts, which
// are the people's morning rush in Slack.
func (c *Clients) Run(ctx context.Context, ph Phase) []ClientSample {
	if ph.Rounds > 0 || c.Sims == 0 {
		return nil
	}
	var mu sync.Mutex
	var out []ClientSample
	until, cancel := context.WithTimeout(ctx, ph.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := range c.Sims {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 123))
			// Half start with an email, so both kinds are under way from
			// the phase's start.
			portal := i%2 == 0
			for {
				if ph.Pause > 0 {
					select {
					case <-until.Done():
						return
					case <-time.After(ph.Pause/2 + time.Duration(r.Int64N(int64(ph.Pause)))):
					}
				}
				if until.Err() != nil {
					return
				}
				var s ClientSample
				if portal {
					s = c.Portal(ctx)
				} else {
					s = c.Email(ctx)
				}
				portal = !portal
				mu.Lock()
				out = append(out, s)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// Play runs a phase with the people and the clients at once.
func Play(ctx context.Context, d *Driver, c *Clients, ph Phase) ([]Sample, []ClientSample) {
	var cs []ClientSample
	done := make(chan struct{})
	go func() {
		defer close(done)
		if c != nil {
			cs = c.Run(ctx, ph)
		}
	}()
	samples := d.Run(ctx, ph)
	<-done
	return samples, cs
}

// CheckInbox counts the emails answered 250 that are not in inbox_messages
// exactly once, by Message-ID, with a few of them as examples. The inbox
// keeps a message before it answers 250, so every one must be there by now.
func CheckInbox(ctx context.Context, q db.DB, samples []ClientSample) (bad int, examples []string, err error) {
	var ids []string
	for _, s := range samples {
		if s.Kind == "inbox" && s.OK {
			ids = append(ids, s.MessageID)
		}
	}
	if len(ids) == 0 {
		return 0, nil, nil
	}
	rows, err := q.Query(ctx, `SELECT message_id, count(*) FROM inbox_messages WHERE message_id = ANY($1) GROUP BY message_id`, ids)
	if err != nil {
		return 0, nil, fmt.Errorf("check the inbox: %w", err)
	}
	kept := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return 0, nil, fmt.Errorf("check the inbox: %w", err)
		}
		kept[id] = n
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("check the inbox: %w", err)
	}
	bad, examples = countKept(ids, kept)
	return bad, examples, nil
}

// countKept compares the Message-IDs answered 250 with how many times each
// was kept.
func countKept(ids []string, kept map[string]int) (bad int, examples []string) {
	for _, id := range ids {
		if n := kept[id]; n != 1 {
			bad++
			if len(examples) < 3 {
				examples = append(examples, fmt.Sprintf("inbox: %s answered 250 but kept %d times", id, n))
			}
		}
	}
	return bad, examples
}
