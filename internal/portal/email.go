package portal

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

// LinkEmailKind is the River kind of a sign-in link's email.
const LinkEmailKind = "portal_link_email"

// LinkEmailArgs is the email of one sign-in link. It carries the link's
// id, not its token: the worker signs the token again from the link's row,
// so no working token is stored in the job table.
type LinkEmailArgs struct {
	Practice  string `json:"practice"`
	ContactID int64  `json:"contact_id"`
	LinkID    int64  `json:"link_id"`
}

// Kind is the River job kind.
func (LinkEmailArgs) Kind() string { return LinkEmailKind }

// InsertOpts: a sign-in link is worth a few tries over a few minutes; by
// the time River's backoff grows long, the client has asked again.
func (LinkEmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 6} }

// MailDeps are what the sign-in email's worker needs.
type MailDeps struct {
	Pool   *pgxpool.Pool
	Mail   delivery.Mailer
	Signer Signer
	// BaseURL is the portal's public address without /portal, such as
	// https://atlas.example.com: the link in the email is
	// BaseURL + "/portal/login?t=" + token. Never taken from a request,
	// whose Host header the asker writes.
	BaseURL string
	Log     *slog.Logger // nil: slog.Default()
}

// AddWorkers registers the sign-in email's worker on w.
func AddWorkers(w *river.Workers, deps MailDeps) error {
	if deps.Pool == nil || deps.Mail == nil || len(deps.Signer.Secret) == 0 || deps.BaseURL == "" {
		return errors.New("portal: the sign-in email worker needs a pool, a mailer, the portal secret and its URL")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	deps.BaseURL = strings.TrimRight(deps.BaseURL, "/")
	return river.AddWorkerSafely(w, &linkEmailWorker{deps: deps})
}

type linkEmailWorker struct {
	river.WorkerDefaults[LinkEmailArgs]
	deps MailDeps
}

func (w *linkEmailWorker) Timeout(*river.Job[LinkEmailArgs]) time.Duration { return 2 * time.Minute }

// Work sends the link's email, unless the link stopped working meanwhile.
func (w *linkEmailWorker) Work(ctx context.Context, job *river.Job[LinkEmailArgs]) error {
	a := job.Args
	pid := atlas.PracticeID(a.Practice)
	var name, email string
	var expires time.Time
	err := w.deps.Pool.QueryRow(ctx, `SELECT c.name, c.email, l.expires_at FROM portal_links l
		JOIN client_contacts c ON c.practice_id = l.practice_id AND c.id = l.contact_id
		WHERE l.practice_id = $1 AND l.id = $2 AND l.contact_id = $3 AND l.revoked_at IS NULL AND l.expires_at > now()`,
		pid, a.LinkID, a.ContactID).Scan(&name, &email, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // revoked or expired before it went: nothing to send
	}
	if err != nil {
		return fmt.Errorf("portal: read link %d: %w", a.LinkID, err)
	}
	p, err := practice.Store{DB: w.deps.Pool}.Get(ctx, pid)
	if err != nil {
		return err
	}
	url := w.deps.BaseURL + "/portal/login?t=" + w.deps.Signer.token(a.LinkID, expires)
	msg := linkEmail(p, name, email, url, expires, a.LinkID)
	err = w.deps.Mail.Send(ctx, msg)
	if err != nil && mail.IsPermanent(err) {
		w.deps.Log.Warn("portal: sign-in email refused", "practice", pid, "contact", a.ContactID, "reason", mail.Reason(err))
		return river.JobCancel(err)
	}
	return err
}

// linkEmail is the message carrying a sign-in link.
func linkEmail(p practice.Practice, name, email, url string, expires time.Time, linkID int64) mail.Message {
	m := mail.Message{
		To:        []string{(&netmail.Address{Name: name, Address: email}).String()},
		Subject:   "Your sign-in link for " + p.Name,
		MessageID: fmt.Sprintf("<portal-link-%d.%s@%s>", linkID, strings.ToLower(string(p.ID)), domainOf(p.InvoiceFromEmail)),
		Headers:   map[string]string{"X-Atlas-Portal": "sign-in"},
	}
	if p.InvoiceFromEmail != "" {
		from := p.InvoiceFromName
		if from == "" {
			from = p.Name
		}
		m.From = (&netmail.Address{Name: from, Address: p.InvoiceFromEmail}).String()
	}
	b := linkBody{Name: name, Practice: p.Name, URL: url, Until: expires.In(p.Location()).Format("Monday 2 January 2006, 15:04")}
	m.Text = fmt.Sprintf("Hello %s,\n\nUse this link to sign in to %s's portal, where you can send the documents we have asked for and see your invoices:\n\n%s\n\n"+
		"The link works until %s. If you did not ask for it, you can ignore this email.\n\nKind regards,\n%s\n", b.Name, b.Practice, b.URL, b.Until, b.Practice)
	var html bytes.Buffer
	if err := linkHTML.Execute(&html, b); err != nil {
		panic(err) // a fixed template of strings cannot fail
	}
	m.HTML = html.String()
	return m
}

type linkBody struct{ Name, Practice, URL, Until string }

var linkHTML = template.Must(template.New("link").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #191919; line-height: 1.5">
<p>Hello {{.Name}},</p>
<p>Use this link to sign in to {{.Practice}}'s portal, where you can send the documents we have asked for and see your invoices:</p>
<p><a href="{{.URL}}">Sign in to {{.Practice}}</a></p>
<p>The link works until {{.Until}}. If you did not ask for it, you can ignore this email.</p>
<p>Kind regards,<br>{{.Practice}}</p>
</body></html>
`))

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return strings.ToLower(addr[at+1:])
	}
	return "atlas"
}
