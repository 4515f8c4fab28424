package bot

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/bot/billing"
	"github.com/atlas-practice/atlas/bot/board"
	"github.com/atlas-practice/atlas/bot/digest"
	"github.com/atlas-practice/atlas/bot/home"
	botinbox "github.com/atlas-practice/atlas/bot/inbox"
	documents "github.com/atlas-practice/atlas/bot/portal"
	"github.com/atlas-practice/atlas/bot/realisation"
	"github.com/atlas-practice/atlas/bot/reminders"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/bot/templates"
	"github.com/atlas-practice/atlas/bot/timetrack"
	"github.com/atlas-practice/atlas/bot/wip"
	"github.com/atlas-practice/atlas/internal/atlas"
	invoicing "github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	digesting "github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/payments"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/queries"
	realising "github.com/atlas-practice/atlas/internal/realisation"
	reminding "github.com/atlas-practice/atlas/internal/reminders"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/slackstate"
	"github.com/atlas-practice/atlas/internal/statements"
	"github.com/atlas-practice/atlas/internal/timesheet"
	wipreport "github.com/atlas-practice/atlas/internal/wip"
	"github.com/atlas-practice/atlas/internal/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/slack-go/slack"
)

// Deps are the stores the features use, built once.
type Deps struct {
	Practice    practice.Store
	Time        timesheet.Store
	Work        workflow.Store
	Billing     invoicing.Store
	CreditNotes creditnotes.Store
	Payments    payments.Store
	Digests     digesting.Store
	WIP         wipreport.Store
	Realisation realising.Store
	// Services, when set, holds each practice's services in memory for
	// the /log and /timer lines (it must be running); nil reads them from
	// the database every time.
	Services *practice.ServiceCache
	// Portal is the client portal's URL and secret, which sign /docs's
	// download links; empty: /docs shows none.
	Portal Portal
	// InboxDomains are the domains the smart inbox takes mail for, which
	// /inbox names the practice's address in.
	InboxDomains []string
}

// NewDeps builds every store on q.
func NewDeps(q db.DB) Deps {
	return Deps{Practice: practice.Store{DB: q}, Time: timesheet.Store{DB: q}, Work: workflow.Store{DB: q},
		Billing:     invoicing.Store{DB: q, AfterApprove: sendOnApproval},
		CreditNotes: creditnotes.Store{DB: q}, Payments: payments.Store{DB: q},
		Digests: digesting.Store{DB: q}, WIP: wipreport.Store{DB: q}, Realisation: realising.Store{DB: q}}
}

// sendOnApproval sends an invoice as it is approved, in the approval's
// transaction, where the practice sends on approval. An invoice that
// cannot go (its client has no billing email) stays approved, and its card
// says why.
func sendOnApproval(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, inv invoicing.Invoice) error {
	_, _, err := delivery.QueueSendIfAuto(ctx, tx, pid, inv.ID, actor)
	return err
}

// WorkerOptions tune the workers: PostInterval paces each Slack channel's
// posts (0 is Slack's one a second; tests pace faster); PortalURL is the
// client portal's address, which emails to clients point at.
type WorkerOptions struct {
	PostInterval time.Duration
	PortalURL    string
	PortalSecret []byte // signs the portal links the request and query emails carry
}

// AddWorkers adds the workers of every feature's background jobs to w: the
// outbox's (Slack), the sending of invoices by email through m, each sent
// invoice's PDF then queued for its card's thread, and the emailing of
// overdue reminders through m.
func AddWorkers(w *river.Workers, rt *slackapp.Router, pool *pgxpool.Pool, m delivery.Mailer, log *slog.Logger, o WorkerOptions) error {
	return errors.Join(
		slackapp.AddOutboxWorkers(w, rt, outbox.Store{DB: pool}, slackapp.OutboxOptions{Interval: o.PostInterval}),
		delivery.AddWorkers(w, delivery.Deps{Pool: pool, Mail: m, Clock: rt.Clock, Log: log, AfterSent: afterSent, PortalURL: o.PortalURL}),
		creditnotes.AddWorkers(w, creditnotes.Deps{Pool: pool, Mail: m, Clock: rt.Clock, Log: log}),
		statements.AddWorkers(w, statements.Deps{Pool: pool, Mail: m, Log: log}),
		reminding.AddWorkers(w, reminding.Deps{Pool: pool, Mail: m, Clock: rt.Clock, Log: log}),
		requests.AddWorkers(w, requests.Deps{Pool: pool, Mail: m, Clock: rt.Clock, Log: log, Signer: portal.Signer{Secret: o.PortalSecret}, PortalURL: o.PortalURL}),
		queries.AddWorkers(w, queries.Deps{Pool: pool, Mail: m, Log: log, Signer: portal.Signer{Secret: o.PortalSecret}, PortalURL: o.PortalURL}),
	)
}

// afterSent follows an invoice's sending, in the transaction that records
// it sent: the client's credit on account is set against it, and its PDF
// is queued for its card's thread.
func afterSent(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, invoiceID int64) error {
	if err := payments.ApplyAccountCredit(ctx, tx, pid, invoiceID); err != nil {
		return err
	}
	return invoicing.QueuePDF(ctx, tx, pid, invoiceID)
}

// Queues are the job queues beside the default one: invoices are drawn and
// emailed on their own, so a month-end does not hold up Slack.
func Queues() map[string]river.QueueConfig {
	return map[string]river.QueueConfig{delivery.Queue: delivery.QueueConfig()}
}

// NewRouter is the kernel's router on q for the practice's identity and
// the record of event deliveries, with no feature registered yet.
func NewRouter(log *slog.Logger, api *slack.Client, q db.DB, admins []string) *slackapp.Router {
	return slackapp.NewRouter(slackapp.Config{Log: log, API: api, Directory: practice.Store{DB: q},
		Deliveries: slackstate.Deliveries{DB: q}, Admins: admins, Unavailable: db.IsUnavailable})
}

// Register adds every feature's routes to rt. This is the one list of
// them, in the order help lists their areas: what people do daily (time,
// tasks), then billing, before the practice's set-up.
func Register(rt *slackapp.Router, d Deps) {
	timetrack.Register(rt, timetrack.Deps{Practice: d.Practice, Time: d.Time, Work: d.Work, Services: d.Services})
	tasks.Register(rt, tasks.Deps{Practice: d.Practice, Work: d.Work, PortalURL: d.Portal.URL, PortalSecret: d.Portal.Secret})
	board.Register(rt, board.Deps{Work: d.Work, Time: d.Time})
	billing.Register(rt, billing.Deps{Practice: d.Practice, Billing: d.Billing, CreditNotes: d.CreditNotes, Payments: d.Payments})
	reminders.Register(rt, reminders.Deps{Practice: d.Practice})
	wip.Register(rt, wip.Deps{Practice: d.Practice, Reports: d.WIP, Clock: rt.Clock})
	digest.Register(rt, digest.Deps{DB: d.Practice.DB, Figures: d.Digests})
	botinbox.Register(rt, botinbox.Deps{DB: d.Practice.DB, Domains: d.InboxDomains})
	documents.Register(rt, documents.Deps{DB: d.Practice.DB, Practice: d.Practice, PortalURL: d.Portal.URL, Secret: d.Portal.Secret})
	realisation.Register(rt, realisation.Deps{DB: d.Billing.DB, Reports: d.Realisation})
	admin.Register(rt, admin.Deps{Practice: d.Practice, Time: d.Time, Work: d.Work})
	templates.Register(rt, templates.Deps{Practice: d.Practice, Work: d.Work})
	home.Register(rt, home.Deps{Practice: d.Practice, Time: d.Time, Work: d.Work, Billing: d.Billing})
}

// Portal is where clients sign in: the portal's public URL and the secret
// that signs its links (PORTAL_URL, PORTAL_SECRET).
type Portal struct {
	URL    string
	Secret []byte
}

// RegisterJobs adds every feature's periodic jobs to reg. Jobs that tell
// people something queue it in the outbox, in their own transaction.
// Document requests are emailed only with a portal secret: without one,
// their sign-in links could not sign anyone in.
func RegisterJobs(reg *jobs.Registry, clock atlas.Clock, log *slog.Logger, p Portal) error {
	var requestJobs error
	if len(p.Secret) > 0 {
		requestJobs = requests.Job{Clock: clock, Log: log, Signer: portal.Signer{Secret: p.Secret}, PortalURL: p.URL}.RegisterJobs(reg)
	}
	return errors.Join(
		requestJobs,
		workflow.MonthlyTasks{Clock: clock, Log: log}.RegisterJobs(reg),
		tasks.OverdueAlerts{Clock: clock, Log: log}.RegisterJobs(reg),
		timetrack.Reminders{Clock: clock, Log: log}.RegisterJobs(reg),
		invoicing.Runs{Log: log}.RegisterJobs(reg),
		reminders.Job{Clock: clock, Log: log}.RegisterJobs(reg),
		digest.Job{Log: log}.RegisterJobs(reg),
	)
}
