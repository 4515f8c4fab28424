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
// team took, each on a day counted from the 1st of the month (day 0): "2@3"
// ticks stage 2's items on the 4th, "1~@2" ticks all but one mandatory item
// of stage 1 on the 3rd, and send, review (the reviewer ticks stage 5),
// approve, return and deliver (stage 6's items, then delivery) move it.
// Steps still in the future when the demo is seeded are not taken, so a
// month seeded early shows less done, as it would be.
type plan string

// thisMonth is where each client's pack of the month in progress stands: a spread over the
// stages, two in review, one returned with a query, three not started, and
// some behind their stage targets by the middle of the month.
var thisMonth = map[string]plan{
	"ACME":   "1@1 2@6 3@11 4@14 send@15",
	"BAKER":  "1@2 2@8 3~@13",
	"GREEN":  "1@1 2@5 3@9 4@12 send@13 return@15",
	"HARBR":  "",
	"NORTH":  "1@3 2~@10",
	"OAKTR":  "1~@5",
	"PINE":   "",
	"RIVER":  "1@2 2@7 3@12",
	"STONE":  "1@1 2@4 3@9 4@13 send@16",
	"SUMMIT": "",
	"VALLEY": "1@4 2@11",
	"WEST":   "1@7",
}

// lastMonthPlans is last month's packs: nearly all delivered by the first
// days of this month, one approved but never sent and one stuck at
// reconciliation (both overdue once the 10th has passed).
var lastMonthPlans = map[string]plan{
	"ACME":   "1@2 2@7 3@12 4@17 send@20 review@22 approve@23 deliver@27",
	"BAKER":  "1@3 2@9 3@14 4@19 send@22 review@24 approve@25",
	"GREEN":  "1@1 2@6 3@11 4@16 send@19 review@21 approve@21 deliver@24",
	"HARBR":  "1@8 2@15 3~@22",
	"NORTH":  "1@2 2@8 3@13 4@18 send@21 review@23 approve@24 deliver@28",
	"OAKTR":  "1@4 2@10 3@16 4@21 send@24 review@27 approve@27 deliver@30",
	"PINE":   "1@3 2@9 3@14 4@20 send@23 review@25 approve@26 deliver@29",
	"RIVER":  "1@1 2@5 3@10 4@15 send@18 review@20 approve@20 deliver@22",
	"STONE":  "1@2 2@8 3@15 4@21 send@25 review@28 approve@29 deliver@31",
	"SUMMIT": "1@6 2@14 3@20 4@26 send@29 review@31 approve@31 deliver@32",
	"VALLEY": "1@2 2@7 3@13 4@18 send@22 review@24 approve@25 deliver@28",
	"WEST":   "1@5 2@12 3@18 4@24 send@29 review@33 approve@34 deliver@36",
}

// queries are the reviewers' questions on returned packs.
var queries = map[string]string{
	"GREEN": "The Lloyds business account is £312.40 out at the month end — please check the unpresented cheques before I approve.",
}

// seedWorkflow gives the demo practice the standard monthly pack, assigns
// every client to it, makes last month's and this month's tasks and moves
// them along their plans up to now. Each step goes through the workflow
// store at its own time, so ticks, stage times and the audit trail read as
// the team's work over the month. A task that has moved already is left
// alone, so seeding again changes nothing.
func seedWorkflow(ctx context.Context, q db.DB, pid atlas.PracticeID, people []Person, now time.Time) error {
	ps, ws := practice.Store{DB: q}, workflow.Store{DB: q}
	p, err := ps.Get(ctx, pid)
	if err != nil {
		return err
	}
	template, err := standardTemplate(ctx, q, ws, pid, now)
	if err != nil {
		return err
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
	// The month in progress is the one whose packs are being finished: up
	// to the due day, last month's; after it, this month's. So the demo
	// shows packs at every stage, some overdue, whatever day it is seeded.
	this := atlas.PeriodOf(now.In(loc))
	inProgress := this
	if now.In(loc).Day() <= workflow.StandardTemplate.DueDay {
		inProgress = this.Prev()
	}
	months := []struct {
		period atlas.Period
		plans  map[string]plan
	}{{inProgress.Prev(), lastMonthPlans}, {inProgress, thisMonth}}
	if inProgress != this {
		months = append(months, struct {
			period atlas.Period
			plans  map[string]plan
		}{this, nil}) // made on the 1st, not begun yet
	}
	for i, c := range clients {
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
			WHERE practice_id = $1 AND period = $2 AND template_id = $4
			  AND items_done = 0 AND review_state = 'none' AND completed_at IS NULL AND created_at <> $3`,
			pid, m.period.FirstDay(), made, template); err != nil {
			return err
		}
		page, err := ws.List(ctx, pid, workflow.Filter{Period: m.period, Today: now})
		if err != nil {
			return err
		}
		for _, t := range page.Tasks {
			if t.TemplateID != template || t.ItemsDone > 0 || t.ReviewState != workflow.ReviewNone || t.CompletedAt != nil {
				continue
			}
			if err := follow(ctx, ws, p, team, t, m.plans[t.EntityCode], start, now); err != nil {
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

// follow takes a plan's steps on task t, each at its time, up to now.
func follow(ctx context.Context, ws workflow.Store, p practice.Practice, tm team, t workflow.Task, pl plan, start, now time.Time) error {
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
		day, err := strconv.Atoi(dayText)
		if !ok || err != nil {
			return fmt.Errorf("bad plan step %q", step)
		}
		at := stepTime(t.EntityCode, start, day, i)
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
