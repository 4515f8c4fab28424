package workflow

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Task is one client's month of processing.
type Task struct {
	ID            int64
	EntityID      int64
	EntityCode    string
	EntityName    string
	EntityType    string
	ManagerID     atlas.MemberID // the client's manager; 0 for none
	ManagerSlack  string
	TemplateID    int64
	TemplateName  string
	Period        atlas.Period
	PreparerID    atlas.MemberID
	PreparerName  string
	PreparerSlack string
	ReviewerID    atlas.MemberID
	ReviewerName  string
	ReviewerSlack string
	Progress
	ItemsTotal      int
	StageDoneAt     [6]*time.Time
	ReviewQuery     string
	SentForReviewAt *time.Time
	ApprovedAt      *time.Time
	ReturnedAt      *time.Time
	CreatedAt       time.Time
	Items           []Item // filled by Task, not by lists
}

// Item is one checklist item of a task.
type Item struct {
	ID          int64
	Stage       int
	Position    int
	Text        string
	Mandatory   bool
	DoneBy      atlas.MemberID // 0 while open
	DoneByName  string
	DoneBySlack string
	DoneAt      *time.Time
	// ClientRequest is what the client is asked for, in their words; ""
	// for an item not asked of the client.
	ClientRequest string
	// ReceivedBy is the client's contact whose upload through the portal
	// ticked the item, when (ReceivedAt); 0 and nil otherwise.
	ReceivedBy     int64
	ReceivedByName string // "" when the contact was removed
	ReceivedAt     *time.Time
}

// Done reports whether the item is ticked.
func (it Item) Done() bool { return it.DoneAt != nil }

// Received reports whether the client sent the item through the portal.
func (it Item) Received() bool { return it.ReceivedAt != nil }

// ClientLabel is "CODE · Name".
func (t Task) ClientLabel() string { return t.EntityCode + " · " + t.EntityName }

// Title is "ACME · Monthly Bookkeeping Pack — Standard · November 2026".
func (t Task) Title() string {
	return fmt.Sprintf("%s · %s · %s", t.EntityCode, t.TemplateName, t.Period.Label())
}

// Percent is how much of the checklist is ticked, 0 to 100.
func (t Task) Percent() int {
	if t.CompletedAt != nil {
		return 100
	}
	if t.ItemsTotal == 0 {
		return 0
	}
	return t.ItemsDone * 100 / t.ItemsTotal
}

// MayMove reports whether m may tick the task or move it on: its preparer,
// its reviewer, the client's manager, or a partner or admin.
func (t Task) MayMove(m practice.Member) bool {
	return m.Active && (m.Can(atlas.RolePartner) || m.ID == t.PreparerID || m.ID == t.ReviewerID ||
		(t.ManagerID != 0 && m.ID == t.ManagerID))
}

// MayReview reports whether m may approve or return the task: its
// reviewer or a partner, but not its preparer unless the practice allows
// preparers to review their own packs.
func (t Task) MayReview(m practice.Member, p practice.Practice) bool {
	if !m.Active || (m.ID == t.PreparerID && !p.PreparerMayReview) {
		return false
	}
	return m.ID == t.ReviewerID || m.Can(atlas.RolePartner)
}

// OpenMandatory lists the open mandatory items of the given stages.
func (t Task) OpenMandatory(stages ...int) []Item {
	var out []Item
	for _, it := range t.Items {
		if it.Mandatory && !it.Done() && (len(stages) == 0 || slices.Contains(stages, it.Stage)) {
			out = append(out, it)
		}
	}
	return out
}

const taskColumns = `tk.id, tk.entity_id, en.code, en.name, en.entity_type, coalesce(en.manager_id, 0), coalesce(mm.slack_user_id, ''),
	tk.template_id, tp.name, tk.period, tk.preparer_id, pm.name, pm.slack_user_id, tk.reviewer_id, rm.name, rm.slack_user_id,
	tk.stage, tk.items_done, tk.review_state, tk.due_date, tk.stage_targets, tk.completed_at,
	tk.items_total, tk.stage_done_at, coalesce(tk.review_query, ''), tk.sent_for_review_at, tk.approved_at, tk.returned_at, tk.created_at`

const taskFrom = ` FROM tasks tk` + taskJoins

// taskJoins are the rows a task is shown with: its client, the client's
// manager, its template, its preparer and its reviewer.
const taskJoins = `
	JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id
	LEFT JOIN members mm ON mm.practice_id = en.practice_id AND mm.id = en.manager_id
	JOIN templates tp ON tp.practice_id = tk.practice_id AND tp.id = tk.template_id
	JOIN members pm ON pm.practice_id = tk.practice_id AND pm.id = tk.preparer_id
	JOIN members rm ON rm.practice_id = tk.practice_id AND rm.id = tk.reviewer_id`

// stateCols names what the status and at-risk rules read of a task: on the
// task's row, or in the states task_month_counts keeps (migration 00031),
// so that both are judged by the same rules.
type stateCols struct{ done, due, review, noneDone, target string }

var (
	taskState = stateCols{done: "tk.completed_at IS NOT NULL", due: "tk.due_date", review: "tk.review_state",
		noneDone: "tk.items_done = 0", target: "tk.stage_targets[tk.stage]"}
	countedState = stateCols{done: "c.done", due: "c.due_date", review: "c.review_state",
		noneDone: "c.none_done", target: "c.target"}
)

// statusRules are Progress.StatusOn in SQL, for the day today: a task has
// the status of the first rule whose condition it meets.
func statusRules(c stateCols, today string) []struct {
	status Status
	cond   string
} {
	return []struct {
		status Status
		cond   string
	}{
		{Complete, c.done},
		{Overdue, c.due + ` < ` + today},
		{InReview, c.review + ` = 'requested'`},
		{NotStarted, c.noneDone + ` AND ` + c.review + ` = 'none'`},
		{InProgress, `true`},
	}
}

// statusExpr is Progress.StatusOn in SQL, for the day today.
func statusExpr(c stateCols, today string) string {
	expr := `CASE`
	for _, r := range statusRules(c, today) {
		expr += ` WHEN ` + r.cond + ` THEN '` + string(r.status) + `'`
	}
	return expr + ` END`
}

// statusWhere is statusExpr(taskState, today) = st as plain conditions on the task's
// columns (its rule's, and no earlier rule's), which the planner can
// estimate from their statistics (an equality on the CASE it guesses at a
// two-hundredth of the rows, and then loops per task over the clients to
// order them).
func statusWhere(st Status, today string) string {
	var conds []string
	for _, r := range statusRules(taskState, today) {
		if r.status == st {
			return strings.Join(append(conds, `(`+r.cond+`)`), ` AND `)
		}
		conds = append(conds, `NOT (`+r.cond+`)`)
	}
	return `false`
}

// atRiskExpr is Progress.TrackOn = AtRisk in SQL.
func atRiskExpr(c stateCols, today string) string {
	return `(NOT (` + c.done + `) AND (` + c.target + ` < ` + today + ` OR ` + c.due + ` < ` + today + `))`
}

func scanTask(row pgx.Row) (Task, error) {
	var t Task
	var manager, prep, rev int64
	var period time.Time
	var targets []time.Time
	var doneAt []*time.Time
	err := row.Scan(&t.ID, &t.EntityID, &t.EntityCode, &t.EntityName, &t.EntityType, &manager, &t.ManagerSlack,
		&t.TemplateID, &t.TemplateName, &period, &prep, &t.PreparerName, &t.PreparerSlack, &rev, &t.ReviewerName, &t.ReviewerSlack,
		&t.Stage, &t.ItemsDone, &t.ReviewState, &t.DueDate, &targets, &t.CompletedAt,
		&t.ItemsTotal, &doneAt, &t.ReviewQuery, &t.SentForReviewAt, &t.ApprovedAt, &t.ReturnedAt, &t.CreatedAt)
	t.ManagerID, t.PreparerID, t.ReviewerID = atlas.MemberID(manager), atlas.MemberID(prep), atlas.MemberID(rev)
	t.Period = atlas.PeriodOf(period)
	copy(t.StageTargets[:], targets)
	copy(t.StageDoneAt[:], doneAt)
	return t, err
}

// noTask is the answer when a task does not exist (any more).
const noTask = "That task no longer exists. `/tasks` lists the month's tasks."

// Task returns a task with its checklist.
func (s Store) Task(ctx context.Context, pid atlas.PracticeID, id int64) (Task, error) {
	return loadTask(ctx, s.DB, pid, id, false)
}

func loadTask(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64, lock bool) (Task, error) {
	sql := `SELECT ` + taskColumns + taskFrom + ` WHERE tk.practice_id = $1 AND tk.id = $2`
	if lock {
		sql += ` FOR NO KEY UPDATE OF tk`
	}
	t, err := scanTask(q.QueryRow(ctx, sql, pid, id))
	if err != nil {
		return t, db.MapError(err, noTask)
	}
	rows, err := q.Query(ctx, `SELECT ti.id, ti.stage, ti.position, ti.text, ti.mandatory, coalesce(ti.done_by, 0),
		coalesce(m.name, ''), coalesce(m.slack_user_id, ''), ti.done_at,
		coalesce(ti.client_request, ''), coalesce(ti.received_by, 0), coalesce(c.name, ''), ti.received_at
		FROM task_items ti LEFT JOIN members m ON m.practice_id = ti.practice_id AND m.id = ti.done_by
		LEFT JOIN client_contacts c ON c.practice_id = ti.practice_id AND c.id = ti.received_by
		WHERE ti.practice_id = $1 AND ti.task_id = $2 ORDER BY ti.stage, ti.position, ti.id`, pid, id)
	if err != nil {
		return t, fmt.Errorf("task items: %w", err)
	}
	var it Item
	var by int64
	_, err = pgx.ForEachRow(rows, []any{&it.ID, &it.Stage, &it.Position, &it.Text, &it.Mandatory, &by, &it.DoneByName, &it.DoneBySlack, &it.DoneAt,
		&it.ClientRequest, &it.ReceivedBy, &it.ReceivedByName, &it.ReceivedAt}, func() error {
		it.DoneBy = atlas.MemberID(by)
		t.Items = append(t.Items, it)
		return nil
	})
	return t, err
}

// Filter picks tasks for a list, the calendar or the board.
type Filter struct {
	Period     atlas.Period
	Today      time.Time      // the day statuses are judged on (a date)
	Member     atlas.MemberID // the tasks this person prepares or reviews
	EntityID   int64
	EntityType string
	Status     Status // "" for every status
	ByDue      bool   // order by due date (else by client)
	Limit      int    // 0 for no limit
	Offset     int
}

// where is the filter's conditions on the tasks (alias "tk") or, for the
// person and the month, on the states kept of them (alias "c"; the client
// filters are the tasks' alone).
func (f Filter) where(args *[]any, alias string) string {
	add := func(v any) string { *args = append(*args, v); return fmt.Sprintf("$%d", len(*args)) }
	conds := []string{alias + ".practice_id = $1", alias + ".period = " + add(f.Period.FirstDay())}
	if f.Member != 0 {
		m := add(int64(f.Member))
		conds = append(conds, "("+m+" IN ("+alias+".preparer_id, "+alias+".reviewer_id))")
	}
	if f.EntityID != 0 {
		conds = append(conds, "tk.entity_id = "+add(f.EntityID))
	}
	if f.EntityType != "" {
		conds = append(conds, "en.entity_type = "+add(f.EntityType))
	}
	return strings.Join(conds, " AND ")
}

// Page is one page of a task list, with the counts of every status across
// the whole list (before the status filter), for the header.
type Page struct {
	Tasks  []Task
	Total  int // tasks matching the filter, status included
	Counts map[Status]int
	AtRisk int // tasks at risk but not yet overdue (those count as overdue), across the list
}

// List returns a page of tasks and the counts per status.
//
// It reads in two round trips. The first counts the statuses and picks the
// page's tasks from an index in the order shown (tasks.entity_key is the
// client's code as the calendar orders it, migration 00031), 25 task ids
// for a few hundred index entries. The second joins those tasks to what
// they are shown with; its text never changes, so PostgreSQL plans its
// six-way join once per connection rather than on every page (planning
// that join cost several times what running it did, and a page whose
// offset is in its text is planned afresh every time).
func (s Store) List(ctx context.Context, pid atlas.PracticeID, f Filter) (Page, error) {
	args := []any{pid}
	where := f.where(&args, "tk")
	pageArgs := args
	args = append(args[:len(args):len(args)], f.Today)
	today := fmt.Sprintf("$%d::date", len(args))
	page := Page{Counts: map[Status]int{}}
	from := ` FROM tasks tk`
	if f.EntityType != "" {
		from += ` JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id`
	}
	batch := &pgx.Batch{}
	if f.EntityID == 0 && f.EntityType == "" {
		// The month's or a person's counts add up the states kept of the
		// tasks (migration 00031) rather than judge every task.
		cargs := []any{pid}
		batch.Queue(`SELECT `+statusExpr(countedState, today)+`, sum(c.tasks)::int,
			coalesce(sum(c.tasks) FILTER (WHERE `+atRiskExpr(countedState, today)+` AND c.due_date >= `+today+`), 0)::int
			FROM task_month_counts c WHERE `+f.where(&cargs, "c")+` GROUP BY 1`, args...)
	} else {
		// A client's tasks, or a type of client's: the tasks alone (and the
		// client for its type), as every other join is a foreign key and
		// drops no row.
		batch.Queue(`SELECT `+statusExpr(taskState, today)+`, count(*)::int,
			count(*) FILTER (WHERE `+atRiskExpr(taskState, today)+` AND tk.due_date >= `+today+`)::int`+from+`
			WHERE `+where+` GROUP BY 1`, args...)
	}
	pageWhere := where
	if f.Status != "" {
		cond := statusWhere(f.Status, today)
		if strings.Contains(cond, today) {
			pageArgs = args
		}
		pageWhere += " AND " + cond
	}
	// The same order as lower(en.code), tp.name, which the indexes of
	// migration 00031 hold up to the template's name.
	order := "tk.entity_key, tp.name"
	if f.ByDue {
		order = "tk.completed_at IS NOT NULL, tk.due_date, tk.entity_key, tp.name"
	}
	// The limit and offset are parameters, so that every page of a list
	// is one prepared statement.
	limit := ""
	if f.Limit > 0 {
		pageArgs = append(pageArgs[:len(pageArgs):len(pageArgs)], f.Limit, max(f.Offset, 0))
		limit = fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(pageArgs)-1, len(pageArgs))
	}
	batch.Queue(`SELECT tk.id`+from+`
		JOIN templates tp ON tp.practice_id = tk.practice_id AND tp.id = tk.template_id
		WHERE `+pageWhere+` ORDER BY `+order+limit, pageArgs...)
	br := s.DB.SendBatch(ctx, batch)
	defer br.Close()

	rows, err := br.Query()
	if err != nil {
		return page, fmt.Errorf("count tasks: %w", err)
	}
	var st string
	var n, risk int
	if _, err := pgx.ForEachRow(rows, []any{&st, &n, &risk}, func() error {
		page.Counts[Status(st)] = n
		page.AtRisk += risk
		return nil
	}); err != nil {
		return page, fmt.Errorf("count tasks: %w", err)
	}
	if f.Status != "" {
		page.Total = page.Counts[f.Status]
	} else {
		for _, n := range page.Counts {
			page.Total += n
		}
	}
	rows, err = br.Query()
	if err != nil {
		return page, fmt.Errorf("list tasks: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return page, fmt.Errorf("list tasks: %w", err)
	}
	if err := br.Close(); err != nil {
		return page, fmt.Errorf("list tasks: %w", err)
	}
	if len(ids) == 0 {
		return page, nil
	}

	rows, err = s.DB.Query(ctx, `SELECT `+taskColumns+taskFrom+` WHERE tk.practice_id = $1 AND tk.id = ANY ($2)`, pid, ids)
	if err != nil {
		return page, fmt.Errorf("list tasks: %w", err)
	}
	byID := make(map[int64]Task, len(ids))
	if _, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		t, err := scanTask(r)
		byID[t.ID] = t
		return struct{}{}, err
	}); err != nil {
		return page, fmt.Errorf("list tasks: %w", err)
	}
	page.Tasks = make([]Task, 0, len(ids))
	for _, id := range ids {
		// A task deleted between the two reads is left out.
		if t, ok := byID[id]; ok {
			page.Tasks = append(page.Tasks, t)
		}
	}
	return page, nil
}

// MonthAtHand is the month whose packs are being worked on, on today (a
// date): the previous month while any of its packs is open and not yet due
// (early in a month, last month's packs are still being finished), else
// the current one. Lists, the calendar and the board open on it.
func (s Store) MonthAtHand(ctx context.Context, pid atlas.PracticeID, today time.Time) (atlas.Period, error) {
	return s.MonthAtHandFor(ctx, pid, Filter{}, today)
}

// MonthAtHandFor is MonthAtHand for the tasks of one person (f.Member, as
// preparer or reviewer) or one client (f.EntityID), for their own lists.
func (s Store) MonthAtHandFor(ctx context.Context, pid atlas.PracticeID, f Filter, today time.Time) (atlas.Period, error) {
	current := atlas.PeriodOf(today)
	var finishing bool
	err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tasks WHERE practice_id = $1 AND period = $2
		AND completed_at IS NULL AND due_date >= $3
		AND ($4::bigint = 0 OR $4 IN (preparer_id, reviewer_id)) AND ($5::bigint = 0 OR entity_id = $5))`,
		pid, current.Prev().FirstDay(), today, int64(f.Member), f.EntityID).Scan(&finishing)
	if err != nil {
		return current, fmt.Errorf("month at hand: %w", err)
	}
	if finishing {
		return current.Prev(), nil
	}
	return current, nil
}

// OpenBefore lists the open tasks of months before f.Period, of active
// clients, with f's person, client and entity type, the soonest due first,
// at most limit of them, and how many there are in all: work from earlier
// months that every list of the month shows first, so a late pack is seen
// where the work is done.
func (s Store) OpenBefore(ctx context.Context, pid atlas.PracticeID, f Filter, limit int) ([]Task, int, error) {
	where := `tk.practice_id = $1 AND tk.period < $2 AND tk.completed_at IS NULL AND en.archived_at IS NULL
		  AND ($3::bigint = 0 OR $3 IN (tk.preparer_id, tk.reviewer_id)) AND ($4::bigint = 0 OR tk.entity_id = $4)
		  AND ($5 = '' OR en.entity_type = $5)`
	args := []any{pid, f.Period.FirstDay(), int64(f.Member), f.EntityID, f.EntityType}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM tasks tk JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id
		WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("open before %s: %w", f.Period, err)
	}
	if total == 0 || limit <= 0 {
		return nil, total, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT `+taskColumns+taskFrom+` WHERE `+where+`
		ORDER BY tk.due_date, en.code, tk.id LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("open before %s: %w", f.Period, err)
	}
	tasks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Task, error) { return scanTask(r) })
	return tasks, total, err
}

// OverdueBefore counts the open tasks of months before f.Period that are
// past their due date on f.Today, of active clients, with f's person and
// entity type: the stragglers a month's view does not show.
func (s Store) OverdueBefore(ctx context.Context, pid atlas.PracticeID, f Filter) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT count(*) FROM tasks tk JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id
		WHERE tk.practice_id = $1 AND tk.period < $2 AND tk.completed_at IS NULL AND tk.due_date < $3 AND en.archived_at IS NULL
		  AND ($4::bigint = 0 OR $4 IN (tk.preparer_id, tk.reviewer_id)) AND ($5 = '' OR en.entity_type = $5)`,
		pid, f.Period.FirstDay(), f.Today, int64(f.Member), f.EntityType).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("overdue before %s: %w", f.Period, err)
	}
	return n, nil
}
