// Package digest posts the morning digests (internal/digest): at the
// practice's digest time on its working days, one message in the digest
// channel — overdue packs, the bottleneck, the month's progress, invoices
// awaiting approval and overdue, work in progress, and who logged no time —
// with the long lists in its thread; and each person's own morning DM.
// /atlas digest on|off turns one's DM on or off.
//
// The job claims each digest in the transaction that queues its posts
// through the outbox; the posts draw their figures when they go, so a
// digest says what is true when it lands.
package digest

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// Renderers, and the subject type of the digests' posts.
const (
	RenderPractice = "digest.practice"
	RenderThread   = "digest.thread"
	RenderPerson   = "digest.person"
	subjectType    = "digest"
)

// Spec wakes the digest job every five minutes in each practice's time
// zone: a digest goes at the first wake at or after its time, so a time on
// the five minutes goes on the minute, and any other within five.
const Spec = "*/5 * * * *"

// Job queues the day's digests once their time has come.
type Job struct {
	Log *slog.Logger
	// Figures reads the digests' figures, through the job's transaction;
	// its zero value will do.
	Figures digest.Store
}

// RegisterJobs adds the digests to reg.
func (j Job) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: "digests", Spec: Spec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, slot time.Time) error {
			return j.Run(ctx, tx, atlas.PracticeID(p.ID), slot)
		}})
}

// dayID is a day as a subject id: 20261203.
func dayID(day time.Time) int64 {
	return int64(day.Year()*10000 + int(day.Month())*100 + day.Day())
}

func dayOf(id int64) time.Time {
	return time.Date(int(id/10000), time.Month(id/100%100), int(id%100), 0, 0, 0, 0, time.UTC)
}

// Run queues, at the moment now (the slot the job woke for), the digests
// due and not yet claimed: the practice's, with a post for each page of its
// thread, and each person's DM. All in tx, the slot's transaction.
func (j Job) Run(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, now time.Time) error {
	s, err := digest.ReadSettings(ctx, tx, pid)
	if err != nil {
		return err
	}
	day, due, late := s.Due(now)
	if !due {
		return nil
	}
	figures := j.Figures.In(tx)
	queued := 0
	if s.Channel != "" {
		ok, err := digest.Claim(ctx, tx, pid, day, digest.PracticeRecipient, late)
		if err != nil {
			return err
		}
		if ok {
			f, err := figures.Practice(ctx, s, day)
			if err != nil {
				return err
			}
			main := outbox.Subject{Type: subjectType, ID: dayID(day), Purpose: digest.PracticeRecipient}
			posts := []outbox.Post{{Practice: string(pid), Channel: s.Channel, Render: RenderPractice, Subject: main}}
			for k := range Thread(f) {
				posts = append(posts, outbox.Post{Practice: string(pid), Channel: s.Channel, Render: RenderThread, Thread: &main,
					Subject: outbox.Subject{Type: subjectType, ID: main.ID, Purpose: "thread:" + strconv.Itoa(k)}})
			}
			for _, p := range posts {
				if err := outbox.QueuePost(ctx, tx, p); err != nil {
					return err
				}
			}
			queued += len(posts)
		}
	}
	people, err := digest.ClaimRecipients(ctx, tx, s, day, late)
	if err != nil {
		return err
	}
	for _, r := range people {
		if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: r.SlackUser, Render: RenderPerson,
			Subject: outbox.Subject{Type: subjectType, ID: dayID(day), Purpose: digest.MemberRecipient(r.Member)}}); err != nil {
			return err
		}
		queued++
	}
	if queued > 0 && j.Log != nil {
		j.Log.Info("digests queued", "practice", pid, "day", day.Format(time.DateOnly), "posts", queued, "late", late)
	}
	return nil
}

// Deps are what the renderers and the command read: the database, and the
// digests' figures.
type Deps struct {
	DB      db.DB
	Figures digest.Store
}

type handlers struct{ Deps }

// Register adds /atlas digest on|off and the digests' renderers.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "digest", Area: "Getting started", Usage: "/atlas digest on|off",
		Summary:  "Turn your morning DM on or off: your overdue and due packs, reviews, approvals, yesterday's hours and a forgotten timer.",
		Examples: []string{"/atlas digest off", "/atlas digest on"},
		Route:    slackapp.Staff(h.toggle)})
	rt.HandleRender(RenderPractice, h.renderPractice)
	rt.HandleRender(RenderThread, h.renderThread)
	rt.HandleRender(RenderPerson, h.renderPerson)
}

func (h handlers) toggle(ctx context.Context, r *slackapp.Request) error {
	var on bool
	switch strings.ToLower(strings.TrimSpace(ui.Unescape(r.Text))) {
	case "on", "yes", "start":
		on = true
	case "off", "no", "stop":
	default:
		return atlas.Errorf(atlas.EInvalid, "Say `/atlas digest off` to stop your morning DM, or `/atlas digest on` to have it again.")
	}
	if err := digest.SetPersonal(ctx, h.DB, r.Practice.ID, r.Member.ID, on); err != nil {
		return err
	}
	if on {
		return r.Reply(slackapp.Text(":sunrise: Your morning DM is on: it comes at the practice's digest time on working days."))
	}
	return r.Reply(slackapp.Text(":zipper_mouth_face: Your morning DM is off. `/atlas digest on` brings it back."))
}

// practiceFigures reads the figures of the digest a post names, on its day.
func (h handlers) practiceFigures(ctx context.Context, p outbox.Post) (digest.Practice, error) {
	pid := atlas.PracticeID(p.Practice)
	s, err := digest.ReadSettings(ctx, h.DB, pid)
	if err != nil {
		return digest.Practice{}, err
	}
	day := dayOf(p.Subject.ID)
	f, err := h.Figures.Practice(ctx, s, day)
	if err != nil {
		return f, err
	}
	f.Late, err = digest.WasLate(ctx, h.DB, pid, day, digest.PracticeRecipient)
	return f, err
}

func (h handlers) renderPractice(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	f, err := h.practiceFigures(ctx, p)
	if err != nil {
		return slackapp.Message{}, err
	}
	return Practice(f), nil
}

func (h handlers) renderThread(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(p.Subject.Purpose, "thread:"))
	if err != nil {
		return slackapp.Message{}, fmt.Errorf("digest: purpose %q", p.Subject.Purpose)
	}
	f, err := h.practiceFigures(ctx, p)
	if err != nil {
		return slackapp.Message{}, err
	}
	m, ok := ThreadPage(f, n)
	if !ok {
		return slackapp.Message{}, slackapp.ErrNothingToSay // the lists shrank before it went
	}
	return m, nil
}

func (h handlers) renderPerson(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	pid := atlas.PracticeID(p.Practice)
	id, err := strconv.ParseInt(strings.TrimPrefix(p.Subject.Purpose, "member:"), 10, 64)
	if err != nil {
		return slackapp.Message{}, fmt.Errorf("digest: purpose %q", p.Subject.Purpose)
	}
	s, err := digest.ReadSettings(ctx, h.DB, pid)
	if err != nil {
		return slackapp.Message{}, err
	}
	f, err := h.Figures.Person(ctx, s, atlas.MemberID(id), dayOf(p.Subject.ID))
	if err != nil {
		return slackapp.Message{}, err
	}
	if f.Empty() {
		return slackapp.Message{}, slackapp.ErrNothingToSay
	}
	return Person(f), nil
}
