package queries

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/requests"
)

// The River kinds of the query's and the delivery's emails.
const (
	QueryJobKind    = "client_query_email"
	DeliveryJobKind = "pack_delivery_email"
)

// QueryArgs is a query's email to one contact, with the id of the sign-in
// link made for it when the query was flagged (the worker signs its token
// again: no working token is stored in the job table).
type QueryArgs struct {
	Practice  string `json:"practice"`
	QueryID   int64  `json:"query_id"`
	ContactID int64  `json:"contact_id"`
	LinkID    int64  `json:"link_id"`
}

// Kind is the River job kind.
func (QueryArgs) Kind() string { return QueryJobKind }

// InsertOpts puts the job on the delivery queue, beside the other emails.
func (QueryArgs) InsertOpts() river.InsertOpts { return delivery.EmailOpts() }

// DeliveryArgs is a delivered pack's email to one contact; LinkID is the
// id of the contact's portal sign-in link (0 when the client takes its
// pack by email alone).
type DeliveryArgs struct {
	Practice   string `json:"practice"`
	DeliveryID int64  `json:"delivery_id"`
	ContactID  int64  `json:"contact_id"`
	LinkID     int64  `json:"link_id,omitempty"`
}

// Kind is the River job kind.
func (DeliveryArgs) Kind() string { return DeliveryJobKind }

// InsertOpts puts the job on the delivery queue.
func (DeliveryArgs) InsertOpts() river.InsertOpts { return delivery.EmailOpts() }

// BlobReader reads a document's bytes by storage key: portal.PGBlobs, or
// the store the portal keeps them in.
type BlobReader interface {
	Get(ctx context.Context, q db.DB, key string) ([]byte, error)
}

// Deps are what the workers need. Blobs nil reads document_blobs.
type Deps struct {
	Pool  *pgxpool.Pool
	Mail  delivery.Mailer
	Blobs BlobReader
	Log   *slog.Logger // nil: slog.Default()
	// Signer signs each email's sign-in link again from its id
	// (portal.Signer{Secret: PORTAL_SECRET}), under PortalURL (config
	// PORTAL_URL). Without them an email with a link is tried again, not
	// sent without it.
	Signer    requests.Linker
	PortalURL string
}

// AddWorkers registers the query and delivery email workers on w.
func AddWorkers(w *river.Workers, deps Deps) error {
	if deps.Pool == nil || deps.Mail == nil {
		return errors.New("queries: the email workers need a pool and a mailer")
	}
	deps = withDefaults(deps)
	return errors.Join(river.AddWorkerSafely(w, &queryWorker{deps: deps}), river.AddWorkerSafely(w, &deliveryWorker{deps: deps}))
}

func withDefaults(d Deps) Deps {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Blobs == nil {
		d.Blobs = pgBlobs{}
	}
	return d
}

type pgBlobs struct{}

func (pgBlobs) Get(ctx context.Context, q db.DB, key string) ([]byte, error) {
	var data []byte
	if err := q.QueryRow(ctx, `SELECT data FROM document_blobs WHERE storage_key = $1`, key).Scan(&data); err != nil {
		return nil, fmt.Errorf("queries: read stored file %s: %w", key, err)
	}
	return data, nil
}

// link is the sign-in link of a job's link id, signed again now; "" for
// none.
func (d Deps) link(ctx context.Context, pid atlas.PracticeID, linkID int64) (string, error) {
	if linkID == 0 {
		return "", nil
	}
	return requests.LinkURL(ctx, d.Pool, d.Signer, d.PortalURL, pid, linkID)
}

type queryWorker struct {
	river.WorkerDefaults[QueryArgs]
	deps Deps
}

// Timeout leaves room for a slow mail server.
func (w *queryWorker) Timeout(*river.Job[QueryArgs]) time.Duration { return time.Minute }

// Work sends a query's email, unless the query was answered or closed
// meanwhile, its pack delivered, or the contact removed.
func (w *queryWorker) Work(ctx context.Context, job *river.Job[QueryArgs]) error {
	a := job.Args
	log := w.deps.Log.With("practice", a.Practice, "query", a.QueryID, "contact", a.ContactID, "try", job.Attempt)
	pid := atlas.PracticeID(a.Practice)
	var e envelope
	var text string
	var open bool
	var period time.Time
	err := w.deps.Pool.QueryRow(ctx, `SELECT e.name, t.period, c.name, c.email, q.text, `+openSQL+` AND t.completed_at IS NULL
		FROM queries q
		JOIN tasks t ON t.practice_id = q.practice_id AND t.id = q.task_id
		JOIN entities e ON e.practice_id = t.practice_id AND e.id = t.entity_id
		JOIN client_contacts c ON c.practice_id = t.practice_id AND c.entity_id = t.entity_id AND c.id = $3
		WHERE q.practice_id = $1 AND q.id = $2`, pid, a.QueryID, a.ContactID).Scan(&e.Client, &period, &e.ContactName, &e.ContactEmail, &text, &open)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !open) {
		log.Info("queries: the query is no longer open, or the contact was removed; not sent")
		return nil
	}
	if err != nil {
		return fmt.Errorf("queries: read the query: %w", err)
	}
	if e.Practice, err = (practice.Store{DB: w.deps.Pool}).Get(ctx, pid); err != nil {
		return fmt.Errorf("queries: read the practice: %w", err)
	}
	e.Period = atlas.PeriodOf(period).Label()
	link, err := w.deps.link(ctx, pid, a.LinkID)
	if err != nil {
		return err
	}
	return delivery.SendNotice(ctx, w.deps.Mail, composeQuery(e, a, text, link), log, "queries")
}

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	deps Deps
}

// Timeout leaves room for large attachments and a slow mail server.
func (w *deliveryWorker) Timeout(*river.Job[DeliveryArgs]) time.Duration { return 3 * time.Minute }

// Work sends a delivered pack's email: its files attached unless the client
// takes its pack through the portal alone, and the portal link when it
// does (or both).
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	a := job.Args
	log := w.deps.Log.With("practice", a.Practice, "delivery", a.DeliveryID, "contact", a.ContactID, "try", job.Attempt)
	pid := atlas.PracticeID(a.Practice)
	var e envelope
	var method string
	var period time.Time
	err := w.deps.Pool.QueryRow(ctx, `SELECT e.name, t.period, c.name, c.email, pd.method
		FROM pack_deliveries pd
		JOIN tasks t ON t.practice_id = pd.practice_id AND t.id = pd.task_id
		JOIN entities e ON e.practice_id = t.practice_id AND e.id = t.entity_id
		JOIN client_contacts c ON c.practice_id = t.practice_id AND c.entity_id = t.entity_id AND c.id = $3
		WHERE pd.practice_id = $1 AND pd.id = $2`, pid, a.DeliveryID, a.ContactID).Scan(&e.Client, &period, &e.ContactName, &e.ContactEmail, &method)
	if errors.Is(err, pgx.ErrNoRows) {
		log.Info("queries: the contact was removed; not sent")
		return nil
	}
	if err != nil {
		return fmt.Errorf("queries: read the delivery: %w", err)
	}
	if e.Practice, err = (practice.Store{DB: w.deps.Pool}).Get(ctx, pid); err != nil {
		return fmt.Errorf("queries: read the practice: %w", err)
	}
	e.Period = atlas.PeriodOf(period).Label()
	rows, err := w.deps.Pool.Query(ctx, `SELECT file_name, content_type, storage_key FROM documents
		WHERE practice_id = $1 AND delivery_id = $2 ORDER BY id`, pid, a.DeliveryID)
	if err != nil {
		return fmt.Errorf("queries: read the delivered files: %w", err)
	}
	type doc struct{ name, ct, key string }
	var docs []doc
	var d doc
	if _, err := pgx.ForEachRow(rows, []any{&d.name, &d.ct, &d.key}, func() error { docs = append(docs, d); return nil }); err != nil {
		return fmt.Errorf("queries: read the delivered files: %w", err)
	}
	var names []string
	var atts []mail.Attachment
	for _, d := range docs {
		names = append(names, d.name)
		if method == "portal" {
			continue
		}
		data, err := w.deps.Blobs.Get(ctx, w.deps.Pool, d.key)
		if err != nil {
			return err
		}
		atts = append(atts, mail.Attachment{Name: d.name, ContentType: d.ct, Data: data})
	}
	link, err := w.deps.link(ctx, pid, a.LinkID)
	if err != nil {
		return err
	}
	m := composeDelivery(e, a, names, method, link)
	m.Attachments = atts
	return delivery.SendNotice(ctx, w.deps.Mail, m, log, "queries")
}

// envelope is who an email goes to and what it is about.
type envelope struct {
	Practice     practice.Practice
	Client       string
	Period       string
	ContactName  string
	ContactEmail string
}

func (e envelope) message(subject, messageID, header, headerValue string) mail.Message {
	p := e.Practice
	m := mail.Message{To: []string{address(e.ContactName, e.ContactEmail)}, Subject: subject,
		MessageID: messageID, Headers: map[string]string{header: headerValue}}
	if p.InvoiceFromEmail != "" {
		name := p.InvoiceFromName
		if name == "" {
			name = p.Name
		}
		m.From = address(name, p.InvoiceFromEmail)
	}
	return m
}

func (e envelope) greeting() string {
	if e.ContactName != "" && !strings.EqualFold(e.ContactName, e.ContactEmail) {
		return "Dear " + e.ContactName + ","
	}
	return "Hello,"
}

func domain(p practice.Practice) string {
	if at := strings.LastIndexByte(p.InvoiceFromEmail, '@'); at >= 0 {
		return strings.ToLower(p.InvoiceFromEmail[at+1:])
	}
	return "atlas"
}

func address(name, addr string) string {
	if name == "" || strings.EqualFold(name, addr) {
		return addr
	}
	return (&netmail.Address{Name: name, Address: addr}).String()
}

type emailBody struct {
	Greeting, Practice, Client, Period, Link, Question string
	Files                                              []string
	Attached                                           bool
}

var queryHTML = template.Must(template.New("query").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #191919; line-height: 1.5">
<p>{{.Greeting}}</p>
<p>While reviewing {{.Client}}'s books for {{.Period}}, {{.Practice}} has a question for you:</p>
<blockquote style="border-left: 3px solid #ccc; margin: 0 0 1em; padding-left: 1em; white-space: pre-wrap">{{.Question}}</blockquote>
<p><a href="{{.Link}}" style="color: #1264a3">Answer it in the client portal</a>, in words or with a file.</p>
<p>The link signs you in and works for 7 days.</p>
<p>Kind regards,<br>{{.Practice}}</p>
</body></html>
`))

func composeQuery(e envelope, a QueryArgs, question, link string) mail.Message {
	m := e.message(fmt.Sprintf("A question about %s — %s", e.Period, e.Client),
		fmt.Sprintf("<query-%d.%d.%s@%s>", a.QueryID, a.ContactID, strings.ToLower(string(e.Practice.ID)), domain(e.Practice)),
		"X-Atlas-Query", fmt.Sprint(a.QueryID))
	b := emailBody{Greeting: e.greeting(), Practice: e.Practice.Name, Client: e.Client, Period: e.Period, Link: link, Question: question}
	var w strings.Builder
	w.WriteString(b.Greeting + "\n\n")
	fmt.Fprintf(&w, "While reviewing %s's books for %s, %s has a question for you:\n\n", b.Client, b.Period, b.Practice)
	for _, line := range strings.Split(question, "\n") {
		w.WriteString("  " + line + "\n")
	}
	fmt.Fprintf(&w, "\nPlease answer it in the client portal, in words or with a file:\n%s\n\n", b.Link)
	w.WriteString("The link signs you in and works for 7 days.\n\nKind regards,\n" + b.Practice + "\n")
	m.Text = w.String()
	m.HTML = render(queryHTML, b)
	return m
}

var deliveryHTML = template.Must(template.New("delivery").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #191919; line-height: 1.5">
<p>{{.Greeting}}</p>
<p>{{.Client}}'s management accounts for {{.Period}} are ready{{if .Attached}}, attached to this email{{end}}:</p>
<ul>{{range .Files}}<li>{{.}}</li>{{end}}</ul>
{{if .Link}}<p><a href="{{.Link}}" style="color: #1264a3">{{if .Attached}}They are also in the client portal{{else}}Download them from the client portal{{end}}</a>. The link signs you in and works for 7 days.</p>{{end}}
<p>Kind regards,<br>{{.Practice}}</p>
</body></html>
`))

func composeDelivery(e envelope, a DeliveryArgs, files []string, method, link string) mail.Message {
	m := e.message(fmt.Sprintf("Your management accounts for %s — %s", e.Period, e.Client),
		fmt.Sprintf("<pack-%d.%d.%s@%s>", a.DeliveryID, a.ContactID, strings.ToLower(string(e.Practice.ID)), domain(e.Practice)),
		"X-Atlas-Delivery", fmt.Sprint(a.DeliveryID))
	b := emailBody{Greeting: e.greeting(), Practice: e.Practice.Name, Client: e.Client, Period: e.Period, Link: link, Files: files,
		Attached: method != "portal"}
	var w strings.Builder
	w.WriteString(b.Greeting + "\n\n")
	fmt.Fprintf(&w, "%s's management accounts for %s are ready", b.Client, b.Period)
	if b.Attached {
		w.WriteString(", attached to this email")
	}
	w.WriteString(":\n\n")
	for _, f := range files {
		w.WriteString("  - " + f + "\n")
	}
	if b.Link != "" {
		if b.Attached {
			fmt.Fprintf(&w, "\nThey are also in the client portal:\n%s\n", b.Link)
		} else {
			fmt.Fprintf(&w, "\nDownload them from the client portal:\n%s\n", b.Link)
		}
		w.WriteString("The link signs you in and works for 7 days.\n")
	}
	w.WriteString("\nKind regards,\n" + b.Practice + "\n")
	m.Text = w.String()
	m.HTML = render(deliveryHTML, b)
	return m
}

func render(t *template.Template, b emailBody) string {
	var buf bytes.Buffer
	if err := t.Execute(&buf, b); err != nil {
		panic(err) // the templates are fixed and their values strings
	}
	return buf.String()
}
