// Package requests emails a client's contacts the documents a month's pack
// needs from them, and reminds them of what is still missing.
//
// A template's stage-1 item may be requested from the client in the
// client's own words (template_items.client_request, copied to the pack's
// task_items). On the practice's portal_request_day-th working day after a
// pack's period ended, the daily job claims the pack's request (a
// document_requests row at step 0) and, in the same transaction, queues one
// email job per contact who receives document requests, each with a
// sign-in link to the portal made in that transaction. On each day of
// portal_reminder_days after the request it claims a reminder (the step is
// the day) for the items still missing. Claims are INSERT … ON CONFLICT DO
// NOTHING, so each is sent once, however often the job runs; a run that
// rolls back neither claims nor queues (the outbox pattern). The email
// itself is sent by the worker (send.go).
package requests

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/jobs"
)

// Spec is when the requests and reminders go each day, in the practice's
// time: early, so they are in the client's inbox at the start of the day.
const Spec = "0 7 * * *"

// JobName names the periodic job in job_slots; it must never change.
const JobName = "document_requests"

// MaxLateDays is how long after its request day a pack's request may
// still go, when the job did not run on the day (Atlas was down, or the
// pack was made late); after it, the pack is not asked for at all rather
// than asked weeks late.
const MaxLateDays = 14

// Linker makes a contact's sign-in link in tx and returns its id, which
// the email job carries; the worker signs the link's token again from its
// id as the email goes, so no working token is stored in the job table:
// portal.Signer{Secret: PORTAL_SECRET}.
type Linker interface {
	NewLinkID(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, contactID int64, now time.Time) (int64, error)
	LinkToken(ctx context.Context, q db.DB, pid atlas.PracticeID, linkID int64) (string, error)
}

// Job is the daily document requests and reminders.
type Job struct {
	Clock  atlas.Clock
	Log    *slog.Logger
	Signer Linker
	// PortalURL is the portal's public base URL (config PORTAL_URL),
	// without a trailing slash.
	PortalURL string
}

// RegisterJobs adds the daily requests to reg.
func (j Job) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: JobName, Spec: Spec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, _ time.Time) error {
			_, err := j.Run(ctx, tx, atlas.PracticeID(p.ID))
			return err
		}})
}

// Claimed is one request or reminder a run claimed.
type Claimed struct {
	TaskID int64
	Step   int      // 0 the request, else the reminder's day after it
	Items  []string // the client's wording of each item asked for
	Emails int      // the email jobs queued: one per contact
}

// Run claims, on the practice's today by the job's clock, every request
// and reminder due, and queues their emails in tx.
func (j Job) Run(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) ([]Claimed, error) {
	clock := j.Clock
	if clock == nil {
		clock = atlas.SystemClock{}
	}
	out, err := Claim(ctx, tx, pid, clock.Now(), j.Signer, j.PortalURL)
	if err != nil {
		return nil, err
	}
	if len(out) > 0 && j.Log != nil {
		j.Log.Info("document requests queued", "practice", pid, "claims", len(out))
	}
	return out, nil
}

// Settings are a practice's request settings.
type Settings struct {
	RequestDay   int   // the request goes on this working day after the period ends
	ReminderDays []int // reminders go this many days after the request
	digest       digest.Settings
}

// ReadSettings reads a practice's request settings and working days.
func ReadSettings(ctx context.Context, q db.DB, pid atlas.PracticeID) (Settings, error) {
	var s Settings
	var days []int32
	if err := q.QueryRow(ctx, `SELECT portal_request_day, portal_reminder_days FROM practices WHERE id = $1`, pid).
		Scan(&s.RequestDay, &days); err != nil {
		return s, db.MapError(err, "The practice is not set up yet.")
	}
	for _, d := range days {
		if d > 0 {
			s.ReminderDays = append(s.ReminderDays, int(d))
		}
	}
	slices.Sort(s.ReminderDays)
	var err error
	s.digest, err = digest.ReadSettings(ctx, q, pid)
	return s, err
}

// Location is the practice's timezone.
func (s Settings) Location() *time.Location { return s.digest.Location }

// RequestDate is the day a period's request goes: the RequestDay-th
// working day after the period's last day.
func (s Settings) RequestDate(p atlas.Period) time.Time {
	d := p.LastDay()
	n := max(s.RequestDay, 1)
	for i := 0; i < 366 && n > 0; i++ {
		d = d.AddDate(0, 0, 1)
		if len(s.digest.WorkingDays) == 0 || s.digest.Works(d) {
			n--
		}
	}
	return d
}

// due is the step due on today for a pack, or -1 for none: the request
// when it has not gone, from its request date until MaxLateDays after it;
// then the latest reminder day reached after the request went, when no
// reminder at that day or later has been claimed.
func (s Settings) due(p atlas.Period, requested *time.Time, lastStep int, today time.Time) int {
	if requested == nil {
		d := s.RequestDate(p)
		if !today.Before(d) && !today.After(d.AddDate(0, 0, MaxLateDays)) {
			return 0
		}
		return -1
	}
	step := -1
	for _, n := range s.ReminderDays {
		if !today.Before(requested.AddDate(0, 0, n)) {
			step = n
		}
	}
	if step <= lastStep {
		return -1
	}
	return step
}

// candidate is an open pack with requested items still missing.
type candidate struct {
	taskID, entityID int64
	period           time.Time
	items            []string
	requested        *time.Time // the request's day, in the practice's time; nil before it
	lastStep         int
}

// Claim claims the requests and reminders due at now (the practice's day
// of it) and queues one email job per contact who receives requests, each
// with a sign-in link made in tx. A pack is asked for while it is open (not
// completed), its client is not archived and has such a contact, and it
// has items requested from the client that were neither received nor
// ticked; the items listed are those.
func Claim(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, now time.Time, signer Linker, portalURL string) ([]Claimed, error) {
	s, err := ReadSettings(ctx, tx, pid)
	if err != nil {
		return nil, err
	}
	today := atlas.DateOf(now.In(s.Location()))
	rows, err := tx.Query(ctx, `
		SELECT t.id, t.entity_id, t.period,
		       array_agg(ti.client_request ORDER BY ti.position, ti.id),
		       (SELECT (r.sent_at AT TIME ZONE $3)::date FROM document_requests r
		         WHERE r.practice_id = t.practice_id AND r.task_id = t.id AND r.step = 0),
		       coalesce((SELECT max(r.step) FROM document_requests r WHERE r.practice_id = t.practice_id AND r.task_id = t.id), -1)
		  FROM tasks t
		  JOIN entities e ON e.practice_id = t.practice_id AND e.id = t.entity_id AND e.archived_at IS NULL
		  JOIN task_items ti ON ti.practice_id = t.practice_id AND ti.task_id = t.id
		   AND ti.client_request IS NOT NULL AND ti.received_at IS NULL AND ti.done_at IS NULL
		 WHERE t.practice_id = $1 AND t.completed_at IS NULL AND (t.period + interval '1 month')::date <= $2::date
		   AND EXISTS (SELECT 1 FROM client_contacts c WHERE c.practice_id = t.practice_id AND c.entity_id = t.entity_id AND c.receives_requests)
		 GROUP BY t.id
		 ORDER BY t.id`, pid, today, s.Location().String())
	if err != nil {
		return nil, fmt.Errorf("requests: find packs: %w", err)
	}
	var cands []candidate
	var c candidate
	if _, err := pgx.ForEachRow(rows, []any{&c.taskID, &c.entityID, &c.period, &c.items, &c.requested, &c.lastStep}, func() error {
		cands = append(cands, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("requests: find packs: %w", err)
	}
	var out []Claimed
	for _, c := range cands {
		step := s.due(atlas.PeriodOf(c.period), c.requested, c.lastStep, today)
		if step < 0 {
			continue
		}
		tag, err := tx.Exec(ctx, `INSERT INTO document_requests (practice_id, task_id, step, sent_at, items)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, pid, c.taskID, step, now, c.items)
		if err != nil {
			return nil, fmt.Errorf("requests: claim pack %d step %d: %w", c.taskID, step, err)
		}
		if tag.RowsAffected() == 0 {
			continue // claimed by another run
		}
		n, err := queueEmails(ctx, tx, pid, c, step, now, signer, portalURL)
		if err != nil {
			return nil, err
		}
		out = append(out, Claimed{TaskID: c.taskID, Step: step, Items: c.items, Emails: n})
	}
	return out, nil
}

// queueEmails queues a claim's email to each contact of the client who
// receives requests, each with a sign-in link of its own.
func queueEmails(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, c candidate, step int, now time.Time, signer Linker, portalURL string) (int, error) {
	ids, err := queueTo(ctx, tx, pid, c.entityID, SendArgs{Practice: string(pid), TaskID: c.taskID, Step: step}, now, signer, portalURL)
	return len(ids), err
}

// queueTo queues one email job of args to each contact of the client who
// receives requests, each with a sign-in link of its own made in tx, and
// returns the contacts' ids.
func queueTo(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, entityID int64, args SendArgs, now time.Time, signer Linker, portalURL string) ([]int64, error) {
	contacts, err := requestContacts(ctx, tx, pid, entityID)
	if err != nil {
		return nil, err
	}
	if err := QueueLinked(ctx, tx, signer, pid, contacts, now, func(c Contact, linkID int64) river.JobArgs {
		a := args
		a.ContactID, a.LinkID = c.ID, linkID
		return a
	}); err != nil {
		return nil, fmt.Errorf("requests: queue emails: %w", err)
	}
	ids := make([]int64, len(contacts))
	for i, c := range contacts {
		ids[i] = c.ID
	}
	return ids, nil
}

// QueueLinked queues in tx one email job to each of contacts, each with a
// sign-in link of its own made in tx: job builds a contact's job from the
// link's id.
func QueueLinked(ctx context.Context, tx pgx.Tx, signer Linker, pid atlas.PracticeID, contacts []Contact, now time.Time,
	job func(c Contact, linkID int64) river.JobArgs) error {
	if len(contacts) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, 0, len(contacts))
	for _, c := range contacts {
		id, err := signer.NewLinkID(ctx, tx, pid, c.ID, now)
		if err != nil {
			return err
		}
		params = append(params, river.InsertManyParams{Args: job(c, id)})
	}
	return jobs.InsertManyTx(ctx, tx, params)
}

// LinkURL is the sign-in link of a job's link id, its token signed again
// as the email goes, under the portal's base URL.
func LinkURL(ctx context.Context, q db.DB, signer Linker, base string, pid atlas.PracticeID, linkID int64) (string, error) {
	if signer == nil || base == "" {
		return "", errors.New("requests: the portal's URL and secret are not given to the email worker, so its sign-in link cannot be made")
	}
	token, err := signer.LinkToken(ctx, q, pid, linkID)
	if err != nil {
		return "", fmt.Errorf("requests: sign link %d: %w", linkID, err)
	}
	return LoginURL(base, token), nil
}

// LoginURL is the sign-in link of a token.
func LoginURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/portal/login?t=" + token
}
