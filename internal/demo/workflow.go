package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// A plan is how far a client's monthly pack has gone, as the steps the
// team took, each on a day counted from the end of the month the pack is
// for, when its documents exist (day 1 is the 1st of the following month):
// "2@3" ticks stage 2's items on the 3rd, "1~@2" ticks all but one
// mandatory item of stage 1 on the 2nd, and send, review (the reviewer
// ticks stage 5), approve, return and deliver (stage 6's items, then
// delivery) move it. "deliver@c11" is on the 11th of the month the demo is
// seeded in, for a pack of an earlier month that is finished late. Steps
// still in the future when the demo is seeded are not taken, so a month
// seeded early shows less done, as it would be.
type plan string

// Templates besides the standard pack, so that packs fall due on different
// days: on any day of the month some are being started, some reviewed, one
// is late and some are done, as in a real practice.
var (
	extendedTemplate = workflow.TemplateSpec{TemplateInput: workflow.TemplateInput{
		Name:        "Monthly Pack — Extended",
		Description: "Larger clients with several accounts to reconcile: due later in the month.",
		DueDay:      25, DueMonthOffset: 1, StageTargetDays: [6]int{5, 10, 15, 20, 23, 25},
	}, Items: workflow.StandardItems}
	groupTemplate = workflow.TemplateSpec{TemplateInput: workflow.TemplateInput{
		Name:        "Monthly Pack — Group",
		Description: "Groups of companies, consolidated once every company's month is closed.",
		DueDay:      5, DueMonthOffset: 2, StageTargetDays: [6]int{10, 20, 28, 31, 33, 35},
	}, Items: workflow.StandardItems}
	lightTemplate = workflow.TemplateSpec{TemplateInput: workflow.TemplateInput{
		Name:        "Monthly Pack — Light",
		Description: "Dormant and holding companies: one account and little else.",
		DueDay:      3, DueMonthOffset: 1, StageTargetDays: [6]int{1, 1, 2, 2, 3, 3},
	}, Items: []workflow.ItemInput{
		{Stage: 1, Text: "Bank statement received", Mandatory: true},
		{Stage: 2, Text: "Transactions posted", Mandatory: true},
		{Stage: 3, Text: "Bank account reconciled", Mandatory: true},
		{Stage: 4, Text: "Balance sheet prepared", Mandatory: true},
		{Stage: 5, Text: "Balance sheet reviewed", Mandatory: true},
		{Stage: 6, Text: "Balance sheet sent to the client", Mandatory: true},
	}}
)

// templateOf is the template each client follows; the rest follow the
// standard pack.
var templateOf = map[string]workflow.TemplateSpec{
	"STONE": extendedTemplate,
	"BAKER": groupTemplate, "GREEN": groupTemplate, "HARBR": groupTemplate, "NORTH": groupTemplate,
	"OAKTR": groupTemplate, "RIVER": groupTemplate, "VALLEY": groupTemplate,
	"SUMMIT": lightTemplate, "WEST": lightTemplate,
}

// thisMonth is where each client's pack of the month at hand stands: the
// light packs done on the 1st, the standard ones by the 10th (but Pine's,
// late), the extended one by the 25th, and the group packs under way all
// month, one or another a little behind its stage's target.
var thisMonth = map[string]plan{
	"ACME":   "1@2 2@4 3@6 4@7 send@7 review@8 approve@9 deliver@9",
	"PINE":   "1@6 2@8 3@10 4@14 send@16 review@20 approve@22",
	"STONE":  "1@4 2@9 3@21 4@21 send@22 review@23 approve@24 deliver@25",
	"BAKER":  "1@7 2@16 3@24 4@29 send@31",
	"GREEN":  "1@8 2@18 3@26 4@30",
	"HARBR":  "1@16 2@19 3@26 4@30",
	"NORTH":  "1@9 2@29 3@29",
	"OAKTR":  "1@9 2@19 3@28",
	"RIVER":  "1@10 2@19",
	"VALLEY": "1@9 2@19 3@27 4@31",
	"SUMMIT": "1@1 2@1 3@1 4@1 send@1 review@1 approve@1 deliver@1",
	"WEST":   "1@1 2@1 3@1 4@1 send@1 review@1 approve@1 deliver@1",
}

// lastMonthPlans is the month before's packs: all delivered in time but
// for Pine's, finished on the 11th of the month the demo is seeded in; the
// group packs, due on the 5th of it, end in its first days, Valley's
// behind.
var lastMonthPlans = map[string]plan{
	"ACME":   "1@2 2@4 3@6 4@7 send@7 review@8 approve@9 deliver@9",
	"PINE":   "1@3 2@8 3@15 4@c5 send@c7 review@c8 approve@c10 deliver@c11",
	"STONE":  "1@4 2@9 3@14 4@19 send@21 review@23 approve@24 deliver@25",
	"BAKER":  "1@7 2@16 3@24 4@29 send@c1 review@c2 approve@c3 deliver@c4",
	"GREEN":  "1@8 2@18 3@26 4@29 send@c1 return@c2 send@c2 review@c3 approve@c3 deliver@c4",
	"HARBR":  "1@8 2@17 3@25 4@28 send@c1 review@c2 approve@c2 deliver@c3",
	"NORTH":  "1@9 2@19 3@26 4@29 send@c1 review@c2 approve@c3 deliver@c3",
	"OAKTR":  "1@8 2@18 3@26 4@30 send@c2 review@c3 approve@c3 deliver@c4",
	"RIVER":  "1@9 2@19 3@27 4@29 send@c1 review@c2 approve@c2 deliver@c3",
	"VALLEY": "1@9 2@c1 3@c3 4@c4 send@c4 review@c5 approve@c5 deliver@c5",
	"SUMMIT": "1@1 2@1 3@1 4@1 send@1 review@1 approve@1 deliver@1",
	"WEST":   "1@1 2@1 3@1 4@1 send@1 review@1 approve@1 deliver@1",
}

// queries are the reviewers' questions on returned packs.
var queries = map[string]string{
	"GREEN": "The Lloyds business account is £312.40 out at the month end — please check the unpresented cheques before I approve.",
}

// seedWorkflow gives the demo practice its templates, assigns every client
// to one, makes the tasks of this month, the month before (the month at
// hand: its packs are worked now, after it ended) and the month before
// that, and moves them along their plans up to now. Each step goes through
// the workflow store at its own time, so ticks, stage times and the audit
// trail read as the team's work. A task that has moved already is left
// alone, so seeding again changes nothing.
func seedWorkflow(ctx context.Context, q db.DB, pid atlas.PracticeID, people []Person, now time.Time) error {
	ps, ws := practice.Store{DB: q}, workflow.Store{DB: q}
	p, err := ps.Get(ctx, pid)
	if err != nil {
		return err
	}
	standard, err := standardTemplate(ctx, q, ws, pid, now)
	if err != nil {
		return err
	}
	templates := map[string]int64{workflow.StandardTemplateName: standard}
	for _, spec := range []workflow.TemplateSpec{extendedTemplate, groupTemplate, lightTemplate} {
		var id int64
		err := q.QueryRow(ctx, `SELECT id FROM templates WHERE practice_id = $1 AND name = $2`, pid, spec.Name).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			res, ierr := ws.ImportTemplates(ctx, pid, 0, []workflow.TemplateSpec{spec}, now)
			if ierr != nil {
				return fmt.Errorf("demo template %s: %w", spec.Name, ierr)
			}
			id, err = res[0].ID, nil
		}
		if err != nil {
			return err
		}
		templates[spec.Name] = id
	}
	team, err := demoTeam(ctx, ps, pid, people)
	if err != nil {
		return err
	}
	preparers, reviewers := team.pick()
	if len(preparers) == 0 || len(reviewers) == 0 {
		return nil // a team too small to prepare and review
	}
	loc := p.Location()
	this := atlas.PeriodOf(now.In(loc))
	months := []struct {
		period atlas.Period
		plans  map[string]plan
	}{{this.Prev().Prev(), lastMonthPlans}, {this.Prev(), thisMonth}, {this, nil}}
	for i, c := range clients {
		template := standard
		if spec, ok := templateOf[c.Code]; ok {
			template = templates[spec.Name]
		}
		var entity int64
		var assigned bool
		err := q.QueryRow(ctx, `SELECT e.id, EXISTS (SELECT 1 FROM assignments a WHERE a.practice_id = e.practice_id
				AND a.entity_id = e.id AND a.template_id = $3 AND a.active)
			FROM entities e WHERE e.practice_id = $1 AND upper(e.code) = $2 AND e.archived_at IS NULL`,
			pid, c.Code, template).Scan(&entity, &assigned)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // archived in the demo since
		}
		if err != nil {
			return err
		}
		if assigned {
			continue
		}
		prep, rev := preparers[i%len(preparers)], reviewers[i%len(reviewers)]
		if prep.ID == rev.ID {
			rev = reviewers[(i+1)%len(reviewers)]
		}
		if prep.ID == rev.ID {
			continue
		}
		if _, err := ws.Assign(ctx, p, team.admin, workflow.AssignInput{EntityID: entity, TemplateID: template,
			Preparer: prep.ID, Reviewer: rev.ID}, now); err != nil {
			return fmt.Errorf("demo assignment of %s: %w", c.Code, err)
		}
	}
	for _, m := range months {
		start := m.period.Start(loc)
		// Made by the morning job of the month's first day (or now, when
		// the demo is seeded before it would have run).
		made := start.Add(6 * time.Hour)
		if made.After(now) {
			made = now
		}
		if _, err := ws.Generate(ctx, pid, m.period, made); err != nil {
			return err
		}
		// A task made just now by Assign dates from the same morning.
		if _, err := q.Exec(ctx, `UPDATE tasks SET created_at = $3, updated_at = $3
			WHERE practice_id = $1 AND period = $2
			  AND items_done = 0 AND review_state = 'none' AND completed_at IS NULL AND created_at <> $3`,
			pid, m.period.FirstDay(), made); err != nil {
			return err
		}
		page, err := ws.List(ctx, pid, workflow.Filter{Period: m.period, Today: now})
		if err != nil {
			return err
		}
		ended := m.period.Next().Start(loc)
		for _, t := range page.Tasks {
			if t.ItemsDone > 0 || t.ReviewState != workflow.ReviewNone || t.CompletedAt != nil {
				continue
			}
			if err := follow(ctx, ws, p, team, t, m.plans[t.EntityCode], ended, this.Start(loc), now); err != nil {
				return fmt.Errorf("demo task %s: %w", t.Title(), err)
			}
		}
	}
	return nil
}

// standardTemplate is the id of the practice's standard pack, added if the
// practice has none.
func standardTemplate(ctx context.Context, q db.DB, ws workflow.Store, pid atlas.PracticeID, now time.Time) (int64, error) {
	if _, err := ws.EnsureStandard(ctx, pid, now); err != nil {
		return 0, err
	}
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM templates WHERE practice_id = $1 AND name = $2`, pid, workflow.StandardTemplateName).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		res, err := ws.ImportTemplates(ctx, pid, 0, []workflow.TemplateSpec{{TemplateInput: workflow.StandardTemplate, Items: workflow.StandardItems}}, now)
		if err != nil {
			return 0, err
		}
		return res[0].ID, nil
	}
	return id, err
}

// team is the demo people by role.
type team struct {
	admin  atlas.MemberID
	byID   map[atlas.MemberID]practice.Member
	byRole map[atlas.Role][]practice.Member
}

func demoTeam(ctx context.Context, ps practice.Store, pid atlas.PracticeID, people []Person) (team, error) {
	tm := team{byID: map[atlas.MemberID]practice.Member{}, byRole: map[atlas.Role][]practice.Member{}}
	for _, person := range people {
		m, err := ps.MemberBySlackID(ctx, pid, atlas.SlackUserID(person.SlackUserID))
		if err != nil {
			return tm, fmt.Errorf("demo workflow for %s: %w", person.Name, err)
		}
		if !m.Active {
			continue
		}
		tm.byID[m.ID] = m
		tm.byRole[m.Role] = append(tm.byRole[m.Role], m)
		if m.Role == atlas.RoleAdmin && tm.admin == 0 {
			tm.admin = m.ID
		}
	}
	return tm, nil
}

// pick chooses who prepares and who reviews: the bookkeepers prepare and
// the managers review; with a partner on the team, a manager prepares every
// third client and the partner reviews it. Without bookkeepers or managers
// the next role up stands in.
func (tm team) pick() (preparers, reviewers []practice.Member) {
	staff, managers, partners := tm.byRole[atlas.RoleStaff], tm.byRole[atlas.RoleManager], tm.byRole[atlas.RolePartner]
	senior := append(append([]practice.Member{}, managers...), partners...)
	senior = append(senior, tm.byRole[atlas.RoleAdmin]...)
	if len(staff) == 0 {
		staff = senior
	}
	if len(managers) == 0 {
		managers = senior
	}
	for i := range clients {
		prep, rev := staff[i%len(staff)], managers[i%len(managers)]
		if i%3 == 2 && len(partners) > 0 && len(tm.byRole[atlas.RoleManager]) > 0 {
			prep, rev = tm.byRole[atlas.RoleManager][i%len(tm.byRole[atlas.RoleManager])], partners[i%len(partners)]
		}
		preparers, reviewers = append(preparers, prep), append(reviewers, rev)
	}
	return preparers, reviewers
}

// follow takes a plan's steps on task t, each at its time, up to now: a
// step's day counts from ended, the start of the day after the pack's month
// ended, or with a "c" from current, the start of the month being seeded.
func follow(ctx context.Context, ws workflow.Store, p practice.Practice, tm team, t workflow.Task, pl plan, ended, current, now time.Time) error {
	prep, rev := tm.byID[t.PreparerID], tm.byID[t.ReviewerID]
	if prep.ID == 0 || rev.ID == 0 {
		return nil // moved to someone outside the demo team
	}
	steps := strings.Fields(string(pl))
	if len(steps) == 0 {
		return nil
	}
	// A listed task has no checklist; each step then works on the task as
	// the step before left it.
	t, err := ws.Task(ctx, p.ID, t.ID)
	if err != nil {
		return err
	}
	var prev time.Time
	for i, step := range steps {
		verb, dayText, ok := strings.Cut(step, "@")
		from := ended
		if d, isCurrent := strings.CutPrefix(dayText, "c"); isCurrent {
			from, dayText = current, d
		}
		day, err := strconv.Atoi(dayText)
		if !ok || err != nil || day < 1 {
			return fmt.Errorf("bad plan step %q", step)
		}
		at := stepTime(t.EntityCode, from, day-1, i)
		if !at.After(prev) {
			at = prev.Add(20 * time.Minute)
		}
		if at.After(now) {
			return nil
		}
		prev = at
		switch verb {
		case "send":
			t, err = ws.SendForReview(ctx, p, prep, t.ID, at)
		case "review":
			t, err = ws.Tick(ctx, p, rev, t.ID, nil, itemsToTick(t, 5, false), at)
		case "approve":
			t, err = ws.Approve(ctx, p, rev, t.ID, at)
		case "return":
			t, err = ws.Return(ctx, p, rev, t.ID, queries[t.EntityCode], at)
		case "deliver":
			if t, err = ws.Tick(ctx, p, prep, t.ID, nil, itemsToTick(t, 6, false), at); err == nil {
				t, err = ws.Deliver(ctx, p, prep, t.ID, at.Add(12*time.Minute))
			}
		default:
			partial := strings.HasSuffix(verb, "~")
			stage, err2 := strconv.Atoi(strings.TrimSuffix(verb, "~"))
			if err2 != nil || stage < 1 || stage > 4 {
				return fmt.Errorf("bad plan step %q", step)
			}
			t, err = ws.Tick(ctx, p, prep, t.ID, nil, itemsToTick(t, stage, partial), at)
		}
		if err != nil {
			return fmt.Errorf("step %q: %w", step, err)
		}
	}
	return nil
}

// stepTime is when a step happened: during the working day (09:00 to
// 17:00 in the practice's timezone) of the given day of the month, at a
// time fixed by the client and the step.
func stepTime(client string, start time.Time, day, step int) time.Time {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s|%d", client, step)
	minutes := 9*60 + int(h.Sum32()%(8*60))
	return start.AddDate(0, 0, day).Add(time.Duration(minutes) * time.Minute)
}

// itemsToTick are the items of stage to tick: every mandatory one and most
// optional ones, or, for a stage left half done, all but its last
// mandatory item.
func itemsToTick(t workflow.Task, stage int, partial bool) map[int64]bool {
	want := map[int64]bool{}
	var lastMandatory int64
	for _, it := range t.Items {
		if it.Stage != stage || it.Done() {
			continue
		}
		if it.Mandatory {
			lastMandatory = it.ID
		}
		if it.Mandatory || (it.ID+int64(len(t.EntityCode)))%3 != 0 {
			want[it.ID] = true
		}
	}
	if partial && lastMandatory != 0 {
		delete(want, lastMandatory)
	}
	return want
}
