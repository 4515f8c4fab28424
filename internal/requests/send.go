package requests

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
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/practice"
)

// JobKind is the River kind of a request's email job.
const JobKind = "document_request_email"

// SendArgs is one email of a claim: the request (Step 0) or a reminder of
// a pack, to one contact, with the id of the sign-in link made for it when
// it was claimed (the worker signs its token again: no working token is
// stored in the job table); or, with ItemID, a request made ad hoc
// (AskNow) for that item alone.
type SendArgs struct {
	Practice  string `json:"practice"`
	TaskID    int64  `json:"task_id"`
	Step      int    `json:"step"`
	ContactID int64  `json:"contact_id"`
	LinkID    int64  `json:"link_id"`
	ItemID    int64  `json:"item_id,omitempty"`
}

// Kind is the River job kind.
func (SendArgs) Kind() string { return JobKind }

// InsertOpts puts the job on the delivery queue, beside the invoices'
// emails, tried as often as they are.
func (SendArgs) InsertOpts() river.InsertOpts { return delivery.EmailOpts() }

// Deps are what the request worker needs.
type Deps struct {
	Pool  *pgxpool.Pool
	Mail  delivery.Mailer
	Clock atlas.Clock  // nil: the system clock
	Log   *slog.Logger // nil: slog.Default()
	// Signer signs each email's sign-in link again from its id
	// (portal.Signer{Secret: PORTAL_SECRET}), under PortalURL (config
	// PORTAL_URL). Without them an email is tried again, not sent
	// without its link.
	Signer    Linker
	PortalURL string
}

// AddWorkers registers the request email worker on w.
func AddWorkers(w *river.Workers, deps Deps) error {
	if deps.Pool == nil || deps.Mail == nil {
		return errors.New("requests: the request worker needs a pool and a mailer")
	}
	return river.AddWorkerSafely(w, newWorker(deps))
}

func newWorker(deps Deps) *sendWorker {
	if deps.Clock == nil {
		deps.Clock = atlas.SystemClock{}
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return &sendWorker{deps: deps}
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	deps Deps
}

// Timeout leaves room for a slow mail server.
func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return time.Minute }

// request is what an email is drawn from.
type request struct {
	Practice     practice.Practice
	Client       string
	Period       atlas.Period
	ContactName  string
	ContactEmail string
	Items        []string // still missing now
	Step         int
	Link         string
	TaskID       int64
	ContactID    int64
	ItemID       int64 // an ad-hoc request's item; 0 for the pack's request and reminders
}

// Work sends one email. It reads the pack again first: the items listed
// are those still missing when it goes, and nothing goes when none is
// (the client sent everything since the claim), when the pack was
// completed, or when the contact was removed. It returns an error only for
// what a later try may get past.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	a := job.Args
	log := w.deps.Log.With("practice", a.Practice, "task", a.TaskID, "step", a.Step, "contact", a.ContactID, "try", job.Attempt)
	r, ok, err := read(ctx, w.deps.Pool, a)
	if err != nil {
		return err
	}
	if !ok {
		log.Info("requests: nothing to ask for any more; not sent")
		return nil
	}
	if r.Link, err = LinkURL(ctx, w.deps.Pool, w.deps.Signer, w.deps.PortalURL, atlas.PracticeID(a.Practice), a.LinkID); err != nil {
		return err
	}
	return delivery.SendNotice(ctx, w.deps.Mail, compose(r), log.With("items", len(r.Items)), "requests")
}

// read gathers an email's request; ok is false when there is nothing to
// send.
func read(ctx context.Context, pool *pgxpool.Pool, a SendArgs) (request, bool, error) {
	pid := atlas.PracticeID(a.Practice)
	r := request{Step: a.Step, TaskID: a.TaskID, ContactID: a.ContactID, ItemID: a.ItemID}
	var period time.Time
	var completed *time.Time
	err := pool.QueryRow(ctx, `SELECT e.name, t.period, t.completed_at, c.name, c.email
		FROM tasks t
		JOIN entities e ON e.practice_id = t.practice_id AND e.id = t.entity_id
		JOIN client_contacts c ON c.practice_id = t.practice_id AND c.entity_id = t.entity_id AND c.id = $3
		WHERE t.practice_id = $1 AND t.id = $2`, pid, a.TaskID, a.ContactID).
		Scan(&r.Client, &period, &completed, &r.ContactName, &r.ContactEmail)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil // the contact was removed
	}
	if err != nil {
		return r, false, fmt.Errorf("requests: read the pack: %w", err)
	}
	if completed != nil {
		return r, false, nil
	}
	r.Period = atlas.PeriodOf(period)
	rows, err := pool.Query(ctx, `SELECT client_request FROM task_items
		WHERE practice_id = $1 AND task_id = $2 AND client_request IS NOT NULL AND received_at IS NULL AND done_at IS NULL
		  AND ($3::bigint = 0 OR id = $3)
		ORDER BY position, id`, pid, a.TaskID, a.ItemID)
	if err != nil {
		return r, false, fmt.Errorf("requests: read the items: %w", err)
	}
	if r.Items, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return r, false, fmt.Errorf("requests: read the items: %w", err)
	}
	if len(r.Items) == 0 {
		return r, false, nil
	}
	if r.Practice, err = (practice.Store{DB: pool}).Get(ctx, pid); err != nil {
		return r, false, fmt.Errorf("requests: read the practice: %w", err)
	}
	return r, true, nil
}

// compose writes the email: to the contact, from the practice's sending
// address, listing the items in the client's wording with the link to
// upload them. Its Message-ID is the same on every try.
func compose(r request) mail.Message {
	p := r.Practice
	subject := fmt.Sprintf("Documents needed for %s — %s", r.Period.Label(), r.Client)
	header := fmt.Sprint(r.Step)
	switch {
	case r.ItemID != 0:
		subject = fmt.Sprintf("Document needed for %s — %s", r.Period.Label(), r.Client)
		header = fmt.Sprintf("item-%d", r.ItemID)
	case r.Step > 0:
		subject = fmt.Sprintf("Reminder: documents still needed for %s — %s", r.Period.Label(), r.Client)
	}
	m := mail.Message{
		To:        []string{address(r.ContactName, r.ContactEmail)},
		Subject:   subject,
		MessageID: messageID(p, r),
		Headers:   map[string]string{"X-Atlas-Request": header},
	}
	if p.InvoiceFromEmail != "" {
		name := p.InvoiceFromName
		if name == "" {
			name = p.Name
		}
		m.From = address(name, p.InvoiceFromEmail)
	}
	b := body{Greeting: "Hello,", Practice: p.Name, Client: r.Client, Period: r.Period.Label(), Items: r.Items, Link: r.Link,
		Reminder: r.Step > 0 && r.ItemID == 0, More: r.ItemID != 0}
	if r.ContactName != "" && !strings.EqualFold(r.ContactName, r.ContactEmail) {
		b.Greeting = "Dear " + r.ContactName + ","
	}
	m.Text = b.text()
	m.HTML = b.html()
	return m
}

func messageID(p practice.Practice, r request) string {
	domain := "atlas"
	if at := strings.LastIndexByte(p.InvoiceFromEmail, '@'); at >= 0 {
		domain = strings.ToLower(p.InvoiceFromEmail[at+1:])
	}
	step := fmt.Sprint(r.Step)
	if r.ItemID != 0 {
		step = fmt.Sprintf("item-%d", r.ItemID)
	}
	return fmt.Sprintf("<request-%d.%s.%d.%s@%s>", r.TaskID, step, r.ContactID, strings.ToLower(string(p.ID)), domain)
}

func address(name, addr string) string {
	if name == "" || strings.EqualFold(name, addr) {
		return addr
	}
	return (&netmail.Address{Name: name, Address: addr}).String()
}

type body struct {
	Greeting, Practice, Client, Period, Link string
	Items                                    []string
	Reminder                                 bool
	More                                     bool // an ad-hoc request: one more thing, beside the month's request
}

func (b body) text() string {
	var w strings.Builder
	w.WriteString(b.Greeting + "\n\n")
	switch {
	case b.Reminder:
		fmt.Fprintf(&w, "A reminder: to finish %s's books for %s, %s still needs:\n\n", b.Client, b.Period, b.Practice)
	case b.More:
		fmt.Fprintf(&w, "To do %s's books for %s, %s also needs:\n\n", b.Client, b.Period, b.Practice)
	default:
		fmt.Fprintf(&w, "To do %s's books for %s, %s needs:\n\n", b.Client, b.Period, b.Practice)
	}
	for _, it := range b.Items {
		w.WriteString("  - " + it + "\n")
	}
	fmt.Fprintf(&w, "\nPlease upload them in the client portal:\n%s\n\n", b.Link)
	w.WriteString("The link signs you in and works for 7 days. If you have sent these already, thank you, and please ignore this email.\n\n")
	w.WriteString("Kind regards,\n" + b.Practice + "\n")
	return w.String()
}

var bodyHTML = template.Must(template.New("request").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #191919; line-height: 1.5">
<p>{{.Greeting}}</p>
<p>{{if .Reminder}}A reminder: to finish {{.Client}}'s books for {{.Period}}, {{.Practice}} still needs:{{else if .More}}To do {{.Client}}'s books for {{.Period}}, {{.Practice}} also needs:{{else}}To do {{.Client}}'s books for {{.Period}}, {{.Practice}} needs:{{end}}</p>
<ul>{{range .Items}}<li>{{.}}</li>{{end}}</ul>
<p><a href="{{.Link}}" style="color: #1264a3">Upload them in the client portal</a></p>
<p>The link signs you in and works for 7 days. If you have sent these already, thank you, and please ignore this email.</p>
<p>Kind regards,<br>{{.Practice}}</p>
</body></html>
`))

func (b body) html() string {
	var buf bytes.Buffer
	if err := bodyHTML.Execute(&buf, b); err != nil {
		panic(err) // the template is fixed and its values are strings
	}
	return buf.String()
}
