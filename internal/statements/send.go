package statements

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/pdf"
	"github.com/atlas-practice/atlas/internal/practice"
)

// JobKind is the River kind of a statement's email; it runs on delivery's
// queue, beside the invoices'.
const JobKind = "statement_email"

// Renderers bot/billing registers for the statements' messages in Slack.
// Their subject is the client ("client", id, purpose); Purpose and
// ParsePurpose carry the statement's date and request in the purpose.
const (
	RenderPDF        = "statement.pdf"         // the statement's PDF, to the person who asked
	RenderOffer      = "statement.offer"       // the message beside it, with Email to client
	RenderSendFailed = "statement.send_failed" // the DM when the email did not go
)

// EmailArgs is a statement's email: client's statement as of AsOf,
// asked for by By; Key tells one request from another and keeps the
// Message-ID the same on every try.
type EmailArgs struct {
	Practice string `json:"practice"`
	ClientID int64  `json:"client_id"`
	AsOf     string `json:"as_of"` // 2006-01-02
	By       int64  `json:"by"`
	Key      string `json:"key"`
}

// Kind is the River job kind.
func (EmailArgs) Kind() string { return JobKind }

// InsertOpts puts the job on delivery's queue, tried as an invoice's is.
func (EmailArgs) InsertOpts() river.InsertOpts {
	return delivery.EmailOpts()
}

// NewKey is a fresh request key.
func NewKey() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Purpose is the outbox purpose of a statement's message of one kind
// ("statement", "offer", "failed") for a request.
func Purpose(kind string, asOf time.Time, key string) string {
	return kind + ":" + asOf.Format(time.DateOnly) + ":" + key
}

// ParsePurpose reads a Purpose back.
func ParsePurpose(purpose string) (kind string, asOf time.Time, key string, ok bool) {
	parts := strings.SplitN(purpose, ":", 3)
	if len(parts) != 3 {
		return "", time.Time{}, "", false
	}
	d, err := time.Parse(time.DateOnly, parts[1])
	return parts[0], d, parts[2], err == nil
}

// QueueToSlack queues, in tx, client's statement as of asOf for the Slack
// user who asked: the PDF by direct message, then a message beside it
// with the button that emails it to the client.
func QueueToSlack(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, clientID int64, asOf time.Time, userID, key string) error {
	if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: userID, Render: RenderPDF, Upload: true,
		Subject: outbox.Subject{Type: "client", ID: clientID, Purpose: Purpose("statement", asOf, key)}}); err != nil {
		return err
	}
	return outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: userID, Render: RenderOffer,
		Subject: outbox.Subject{Type: "client", ID: clientID, Purpose: Purpose("offer", asOf, key)}})
}

// QueueEmail emails client's statement as of asOf to its billing email
// and copies, in tx: the job goes when tx commits. A client with no
// billing email is refused.
func QueueEmail(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, clientID int64, asOf time.Time, by atlas.MemberID) (to string, err error) {
	c, err := practice.Store{DB: tx}.Entity(ctx, pid, clientID)
	if err != nil {
		return "", err
	}
	if c.BillingEmail == "" {
		return "", atlas.Errorf(atlas.EInvalid, "%s has no billing email, so its statement has nowhere to go: add it with `/atlas clients edit %s`, then email it.",
			c.Label(), c.Code)
	}
	key := NewKey()
	if err := jobs.InsertTx(ctx, tx, EmailArgs{Practice: string(pid), ClientID: clientID, AsOf: asOf.Format(time.DateOnly),
		By: int64(by), Key: key}); err != nil {
		return "", fmt.Errorf("queue the statement's email: %w", err)
	}
	return c.BillingEmail, practice.Audit(ctx, tx, pid, by, "statement.send_requested", "client", clientID,
		map[string]any{"as_of": asOf.Format(time.DateOnly), "to": c.BillingEmail, "key": key})
}

// Deps are what the email worker needs.
type Deps struct {
	Pool *pgxpool.Pool
	Mail delivery.Mailer
	Log  *slog.Logger // nil: slog.Default()
}

// AddWorkers registers the statements' email worker on w.
func AddWorkers(w *river.Workers, deps Deps) error {
	if deps.Pool == nil || deps.Mail == nil {
		return errors.New("statements: the email worker needs a pool and a mailer")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return river.AddWorkerSafely(w, &emailWorker{deps: deps})
}

type emailWorker struct {
	river.WorkerDefaults[EmailArgs]
	deps Deps
}

func (w *emailWorker) Timeout(*river.Job[EmailArgs]) time.Duration { return 3 * time.Minute }

// Work draws the statement and emails it. A try after the email went
// finds the audit record of it and sends nothing more.
func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	a := job.Args
	pid := atlas.PracticeID(a.Practice)
	asOf, err := time.Parse(time.DateOnly, a.AsOf)
	if err != nil {
		return river.JobCancel(fmt.Errorf("statements: bad date %q", a.AsOf))
	}
	var done bool
	if err := w.deps.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events WHERE practice_id = $1 AND subject_type = 'client'
		AND subject_id = $2 AND action IN ('statement.sent', 'statement.send_failed') AND data->>'key' = $3)`, pid, a.ClientID, a.Key).Scan(&done); err != nil {
		return err
	}
	if done {
		return nil
	}
	ps := practice.Store{DB: w.deps.Pool}
	p, err := ps.Get(ctx, pid)
	if err != nil {
		return err
	}
	c, err := ps.Entity(ctx, pid, a.ClientID)
	if err != nil {
		return err
	}
	s, err := Build(ctx, w.deps.Pool, pid, a.ClientID, asOf)
	if err != nil {
		return err
	}
	data, err := pdf.RenderStatement(s, pdf.Options{CreationDate: asOf})
	if err != nil {
		return w.record(ctx, a, "statement.send_failed", map[string]any{"reason": "The statement could not be drawn: " + err.Error()})
	}
	msg := email(p, c, s, data, a.Key)
	err = w.deps.Mail.Send(ctx, msg)
	switch {
	case err == nil:
		return w.record(ctx, a, "statement.sent", map[string]any{"to": msg.To, "cc": msg.CC, "message_id": msg.MessageID,
			"owed": s.Owed.StringFixed(2)})
	case mail.IsPermanent(err) || job.Attempt >= job.MaxAttempts:
		reason := mail.Reason(err)
		if reason == "" {
			reason = err.Error()
		}
		return w.record(ctx, a, "statement.send_failed", map[string]any{"reason": reason, "to": c.BillingEmail})
	}
	return err
}

// record writes the outcome's audit event, with the request's key, and a
// failure's DM to who asked.
func (w *emailWorker) record(ctx context.Context, a EmailArgs, action string, data map[string]any) error {
	pid := atlas.PracticeID(a.Practice)
	data["key"], data["as_of"] = a.Key, a.AsOf
	return db.InTx(ctx, w.deps.Pool, func(tx pgx.Tx) error {
		if err := practice.Audit(ctx, tx, pid, 0, action, "client", a.ClientID, data); err != nil {
			return err
		}
		if action != "statement.send_failed" || a.By == 0 {
			return nil
		}
		var slackID string
		err := tx.QueryRow(ctx, `SELECT coalesce(slack_user_id, '') FROM members WHERE practice_id = $1 AND id = $2 AND active`, pid, a.By).Scan(&slackID)
		if errors.Is(err, pgx.ErrNoRows) || slackID == "" {
			return nil
		}
		if err != nil {
			return err
		}
		asOf, _ := time.Parse(time.DateOnly, a.AsOf)
		return outbox.QueuePost(ctx, tx, outbox.Post{Practice: a.Practice, Channel: slackID, Render: RenderSendFailed,
			Subject: outbox.Subject{Type: "client", ID: a.ClientID, Purpose: Purpose("failed", asOf, a.Key)}})
	})
}

// FailureOf is why the statement emailed by request key did not go.
func FailureOf(ctx context.Context, q db.DB, pid atlas.PracticeID, clientID int64, key string) (reason, to string, err error) {
	err = q.QueryRow(ctx, `SELECT coalesce(data->>'reason', ''), coalesce(data->>'to', '') FROM audit_events
		WHERE practice_id = $1 AND subject_type = 'client' AND subject_id = $2 AND action = 'statement.send_failed' AND data->>'key' = $3
		ORDER BY id DESC LIMIT 1`, pid, clientID, key).Scan(&reason, &to)
	return reason, to, db.MapError(err, "That statement's email has no failure on record.")
}

// email is the message that takes a statement to the client.
func email(p practice.Practice, c practice.Entity, s pdf.Statement, data []byte, key string) mail.Message {
	date := s.Date.Format("2 Jan 2006")
	m := mail.Message{
		To:        []string{address(c.BillingContact, c.BillingEmail)},
		CC:        c.CCEmails,
		Subject:   fmt.Sprintf("Statement of account from %s — %s owed at %s", p.Name, money.Format(s.Owed, s.Currency), date),
		MessageID: fmt.Sprintf("<statement-%d.%s.%s@%s>", c.ID, key, strings.ToLower(string(p.ID)), domainOf(p.InvoiceFromEmail)),
		Headers:   map[string]string{"X-Atlas-Statement": s.Date.Format(time.DateOnly)},
		Attachments: []mail.Attachment{{
			Name: Filename(s), ContentType: "application/pdf", Data: data,
		}},
	}
	if p.InvoiceFromEmail != "" {
		name := p.InvoiceFromName
		if name == "" {
			name = p.Name
		}
		m.From = address(name, p.InvoiceFromEmail)
	}
	b := body{Greeting: "Hello,", Practice: p.Name, Date: date, Owed: money.Format(s.Owed, s.Currency),
		Overdue: money.Format(s.Overdue, s.Currency), HasOverdue: s.Overdue.IsPositive(), Bank: s.BankDetails}
	if c.BillingContact != "" {
		b.Greeting = "Dear " + c.BillingContact + ","
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%s\n\nPlease find attached your statement of account with %s at %s.\n\nAmount owed: %s\n", b.Greeting, b.Practice, b.Date, b.Owed)
	if b.HasOverdue {
		fmt.Fprintf(&text, "Of which overdue: %s\n", b.Overdue)
	}
	if len(b.Bank) > 0 {
		text.WriteString("\nBy bank transfer to:\n")
		for _, l := range b.Bank {
			text.WriteString("  " + l + "\n")
		}
	}
	text.WriteString("\nIf anything on it is not as you expected, reply to this email and we will look into it.\n\nKind regards,\n" + b.Practice + "\n")
	m.Text = text.String()
	var html bytes.Buffer
	if err := bodyHTML.Execute(&html, b); err != nil {
		panic(err) // a fixed template of strings cannot fail
	}
	m.HTML = html.String()
	return m
}

type body struct {
	Greeting, Practice, Date, Owed, Overdue string
	HasOverdue                              bool
	Bank                                    []string
}

var bodyHTML = template.Must(template.New("statement").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #191919; line-height: 1.5">
<p>{{.Greeting}}</p>
<p>Please find attached your statement of account with {{.Practice}} at {{.Date}}.</p>
<p>Amount owed: <strong>{{.Owed}}</strong>{{if .HasOverdue}}<br>Of which overdue: <strong>{{.Overdue}}</strong>{{end}}</p>
{{if .Bank}}<p>By bank transfer to:{{range .Bank}}<br>{{.}}{{end}}</p>
{{end}}<p>If anything on it is not as you expected, reply to this email and we will look into it.</p>
<p>Kind regards,<br>{{.Practice}}</p>
</body></html>
`))

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return strings.ToLower(addr[at+1:])
	}
	return "atlas"
}

func address(name, addr string) string {
	if name == "" {
		return addr
	}
	return (&netmail.Address{Name: name, Address: addr}).String()
}
