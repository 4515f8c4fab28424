package workflow

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Store reads and writes templates, assignments and tasks.
type Store struct{ DB db.DB }

// Limits of a template.
const (
	MaxItemText      = 300
	MaxTemplateItems = 200
	MaxTemplateName  = 100
)

// StandardTemplateName is the template every new practice starts with.
const StandardTemplateName = "Monthly Bookkeeping Pack — Standard"

// Template is a month's checklist, recurring monthly.
type Template struct {
	ID          int64
	Name        string
	Description string
	// Due on DueDay of the month DueMonthOffset months after the period.
	DueDay         int
	DueMonthOffset int
	// Target day of each stage, counted from the end of the period, when
	// its work can start: 3 is the 3rd of the following month.
	StageTargetDays [6]int
	Active          bool
	Items           []TemplateItem
}

// TemplateItem is one checklist item of a template.
type TemplateItem struct {
	ID        int64
	Stage     int
	Position  int
	Text      string
	Mandatory bool
	// ClientRequest is what the client is asked for, in their words, when
	// the item is requested from the client (stage 1 only); "" when not.
	ClientRequest string
}

// DueRule is "day 10 of the following month".
func (t Template) DueRule() string {
	switch t.DueMonthOffset {
	case 0:
		return fmt.Sprintf("day %d of the month itself", t.DueDay)
	case 1:
		return fmt.Sprintf("day %d of the following month", t.DueDay)
	}
	return fmt.Sprintf("day %d, %d months after the month", t.DueDay, t.DueMonthOffset)
}

// DueDate is when the task for period is due.
func (t Template) DueDate(period atlas.Period) time.Time {
	return period.FirstDay().AddDate(0, t.DueMonthOffset, t.DueDay-1)
}

// StageTargets are the target dates of period's stages: day N is N days
// after the period ends.
func (t Template) StageTargets(period atlas.Period) [6]time.Time {
	var out [6]time.Time
	for i, d := range t.StageTargetDays {
		out[i] = period.Next().FirstDay().AddDate(0, 0, d-1)
	}
	return out
}

// TemplateInput is a template's heading, as typed in the form or a file.
type TemplateInput struct {
	Name            string
	Description     string
	DueDay          int
	DueMonthOffset  int
	StageTargetDays [6]int
}

// Fields of the template form, named as its blocks.
const (
	FieldTemplateName    = "template_name"
	FieldTemplateDueDay  = "template_due_day"
	FieldTemplateDueMon  = "template_due_months"
	FieldTemplateTargets = "template_targets"
	FieldItemText        = "item_text"
	FieldItemStage       = "item_stage"
	FieldItemPosition    = "item_position"
	FieldItemRequest     = "item_client_request"
)

// MaxClientRequest is the longest wording of what a client is asked for.
const MaxClientRequest = 300

// Validate checks a template's heading and reports every mistake at once.
func (in TemplateInput) Validate() (TemplateInput, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	var errs atlas.FieldErrors
	if in.Name == "" || utf8.RuneCountInString(in.Name) > MaxTemplateName {
		errs = append(errs, atlas.FieldError(FieldTemplateName, "Give the template a name of up to %d characters, such as \"Monthly Bookkeeping Pack — Standard\".", MaxTemplateName))
	}
	if in.DueDay < 1 || in.DueDay > 28 {
		errs = append(errs, atlas.FieldError(FieldTemplateDueDay, "The due day is a day of the month from 1 to 28, such as 10."))
	}
	if in.DueMonthOffset < 0 || in.DueMonthOffset > 3 {
		errs = append(errs, atlas.FieldError(FieldTemplateDueMon, "Give 0 for the month itself, 1 for the following month, up to 3."))
	}
	last := 0
	for _, d := range in.StageTargetDays {
		if d < 1 || d > 90 || d < last {
			errs = append(errs, atlas.FieldError(FieldTemplateTargets, "Give six target days, one per stage, counted from the end of the month, each from 1 to 90 and none before the one above it, such as `3 5 7 8 9 10` (day 3 is the 3rd of the following month)."))
			break
		}
		last = d
	}
	if len(errs) > 0 {
		return in, errs
	}
	return in, nil
}

// ParseTargetDays reads six target days, separated by spaces or commas.
func ParseTargetDays(s string) ([6]int, bool) {
	var out [6]int
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' })
	if len(f) != 6 {
		return out, false
	}
	for i, w := range f {
		n, err := strconv.Atoi(w)
		if err != nil {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

// ItemInput is one checklist item as typed.
type ItemInput struct {
	Stage     int
	Position  int // 0 puts it last in its stage
	Text      string
	Mandatory bool
	// ClientRequest asks the client for the item in these words, in the
	// document request emails; only a stage-1 item may be requested.
	ClientRequest string
}

// Validate checks an item.
func (in ItemInput) Validate() (ItemInput, error) {
	in.Text = strings.Join(strings.Fields(in.Text), " ")
	var errs atlas.FieldErrors
	if in.Stage < 1 || in.Stage > 6 {
		errs = append(errs, atlas.FieldError(FieldItemStage, "Pick a stage from 1 (collect documents) to 6 (deliver)."))
	}
	if in.Text == "" || utf8.RuneCountInString(in.Text) > MaxItemText {
		errs = append(errs, atlas.FieldError(FieldItemText, "Say what is to be done in up to %d characters, such as \"Bank statements received for every account\".", MaxItemText))
	}
	in.ClientRequest = strings.Join(strings.Fields(in.ClientRequest), " ")
	if in.ClientRequest != "" && in.Stage != 1 {
		errs = append(errs, atlas.FieldError(FieldItemRequest, "Only a stage 1 item (collect documents) is asked of the client: move the item to stage 1, or leave this empty."))
	} else if utf8.RuneCountInString(in.ClientRequest) > MaxClientRequest {
		errs = append(errs, atlas.FieldError(FieldItemRequest, "Ask for it in up to %d characters, such as \"Your bank statements for the month, for every account\".", MaxClientRequest))
	}
	if in.Position < 0 || in.Position > MaxTemplateItems {
		errs = append(errs, atlas.FieldError(FieldItemPosition, "The position is a number from 1 (first in its stage) up; leave it empty to put the item last."))
	}
	if len(errs) > 0 {
		return in, errs
	}
	return in, nil
}

const templateColumns = `id, name, description, due_day, due_month_offset, stage_target_days, active`

func scanTemplate(row pgx.Row) (Template, error) {
	var t Template
	var days []int32
	err := row.Scan(&t.ID, &t.Name, &t.Description, &t.DueDay, &t.DueMonthOffset, &days, &t.Active)
	for i := 0; i < 6 && i < len(days); i++ {
		t.StageTargetDays[i] = int(days[i])
	}
	return t, err
}

// Templates lists the practice's templates, by name, each with its items.
func (s Store) Templates(ctx context.Context, pid atlas.PracticeID) ([]Template, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+templateColumns+` FROM templates WHERE practice_id = $1 ORDER BY lower(name), id`, pid)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Template, error) { return scanTemplate(r) })
	if err != nil || len(ts) == 0 {
		return ts, err
	}
	rows, err = s.DB.Query(ctx, `SELECT template_id, id, stage, position, text, mandatory, coalesce(client_request, '') FROM template_items
		WHERE practice_id = $1 AND removed_at IS NULL ORDER BY template_id, stage, position, id`, pid)
	if err != nil {
		return nil, fmt.Errorf("list template items: %w", err)
	}
	byID := map[int64]*Template{}
	for i := range ts {
		byID[ts[i].ID] = &ts[i]
	}
	var tid int64
	var it TemplateItem
	_, err = pgx.ForEachRow(rows, []any{&tid, &it.ID, &it.Stage, &it.Position, &it.Text, &it.Mandatory, &it.ClientRequest}, func() error {
		if t := byID[tid]; t != nil {
			t.Items = append(t.Items, it)
		}
		return nil
	})
	return ts, err
}

// Template returns one template with its items.
func (s Store) Template(ctx context.Context, pid atlas.PracticeID, id int64) (Template, error) {
	t, err := scanTemplate(s.DB.QueryRow(ctx, `SELECT `+templateColumns+` FROM templates WHERE practice_id = $1 AND id = $2`, pid, id))
	if err != nil {
		return t, db.MapError(err, "That template no longer exists. `/atlas templates` lists them.")
	}
	t.Items, err = templateItems(ctx, s.DB, pid, id)
	return t, err
}

// templateItems is the checklist of one template, in order.
func templateItems(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) ([]TemplateItem, error) {
	rows, err := q.Query(ctx, `SELECT id, stage, position, text, mandatory, coalesce(client_request, '') FROM template_items
		WHERE practice_id = $1 AND template_id = $2 AND removed_at IS NULL ORDER BY stage, position, id`, pid, id)
	if err != nil {
		return nil, fmt.Errorf("template items: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[TemplateItem])
}

// LookupTemplate finds a template by its name or a unique part of it; an
// empty text finds the practice's only template, if it has one.
func (s Store) LookupTemplate(ctx context.Context, pid atlas.PracticeID, text string) (Template, error) {
	// Names are matched on the headings alone; only the template found
	// has its checklist read.
	rows, err := s.DB.Query(ctx, `SELECT `+templateColumns+` FROM templates WHERE practice_id = $1 ORDER BY lower(name), id`, pid)
	if err != nil {
		return Template{}, fmt.Errorf("list templates: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Template, error) { return scanTemplate(r) })
	if err != nil {
		return Template{}, err
	}
	q := strings.ToLower(strings.TrimSpace(text))
	var found []Template
	for _, t := range ts {
		if !t.Active {
			continue
		}
		if strings.ToLower(t.Name) == q {
			found = []Template{t}
			break
		}
		if strings.Contains(strings.ToLower(t.Name), q) {
			found = append(found, t)
		}
	}
	switch {
	case len(ts) == 0:
		return Template{}, atlas.Errorf(atlas.ENotFound, "The practice has no templates yet. An admin adds one with `/atlas templates add` or `atlasbot import templates FILE.yaml`.")
	case len(found) == 1:
		t := found[0]
		t.Items, err = templateItems(ctx, s.DB, pid, t.ID)
		return t, err
	case len(found) == 0:
		return Template{}, atlas.Errorf(atlas.ENotFound, "No template called %q. `/atlas templates` lists them.", text)
	}
	names := make([]string, len(found))
	for i, t := range found {
		names[i] = "“" + t.Name + "”"
	}
	return Template{}, atlas.Errorf(atlas.EInvalid, "%q matches %d templates: %s. Give more of the name.", text, len(found), strings.Join(names, ", "))
}

// SaveTemplate adds a template (id 0) or changes one's heading. A change to
// the due rule or stage targets reaches tasks not started yet.
func (s Store) SaveTemplate(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, in TemplateInput, now time.Time) (Template, error) {
	in, err := in.Validate()
	if err != nil {
		return Template{}, err
	}
	var t Template
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		days := in.StageTargetDays[:]
		var row pgx.Row
		if id == 0 {
			row = tx.QueryRow(ctx, `INSERT INTO templates (practice_id, name, description, due_day, due_month_offset, stage_target_days)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+templateColumns, pid, in.Name, in.Description, in.DueDay, in.DueMonthOffset, days)
		} else {
			row = tx.QueryRow(ctx, `UPDATE templates SET name = $3, description = $4, due_day = $5, due_month_offset = $6,
				stage_target_days = $7, updated_at = now() WHERE practice_id = $1 AND id = $2 RETURNING `+templateColumns,
				pid, id, in.Name, in.Description, in.DueDay, in.DueMonthOffset, days)
		}
		var err error
		if t, err = scanTemplate(row); err != nil {
			return db.MapError(err, "That template no longer exists.")
		}
		action := "template.update"
		if id == 0 {
			action = "template.add"
		}
		if err := practice.Audit(ctx, tx, pid, actor, action, "template", t.ID, map[string]any{"name": t.Name}); err != nil {
			return err
		}
		if err := resyncUnstarted(ctx, tx, pid, t.ID, 0, now); err != nil {
			return err
		}
		// The heading is the row just written; only the checklist is read.
		t.Items, err = templateItems(ctx, tx, pid, t.ID)
		return err
	})
	if err != nil {
		return Template{}, db.MapError(err, "")
	}
	return t, nil
}

// SaveItem adds an item to a template (itemID 0) or changes one. Tasks not
// yet started take the change; tasks under way keep the checklist they
// started with.
func (s Store) SaveItem(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, templateID, itemID int64, in ItemInput, now time.Time) (TemplateItem, error) {
	in, err := in.Validate()
	if err != nil {
		return TemplateItem{}, err
	}
	var it TemplateItem
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		// Lock the template: two admins adding items at once number them in turn.
		var n int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM template_items i WHERE i.practice_id = t.practice_id AND i.template_id = t.id AND i.removed_at IS NULL)
			FROM templates t WHERE t.practice_id = $1 AND t.id = $2 FOR UPDATE`, pid, templateID).Scan(&n); err != nil {
			return db.MapError(err, "That template no longer exists.")
		}
		if itemID == 0 && n >= MaxTemplateItems {
			return atlas.Errorf(atlas.EInvalid, "A template holds at most %d items.", MaxTemplateItems)
		}
		var err error
		if it, err = placeItem(ctx, tx, pid, templateID, itemID, in); err != nil {
			return err
		}
		action := "template.item.update"
		if itemID == 0 {
			action = "template.item.add"
		}
		if err := practice.Audit(ctx, tx, pid, actor, action, "template", templateID, map[string]any{
			"item": it.ID, "stage": it.Stage, "text": it.Text, "mandatory": it.Mandatory, "client_request": it.ClientRequest}); err != nil {
			return err
		}
		return resyncUnstarted(ctx, tx, pid, templateID, 0, now)
	})
	return it, err
}

// placeItem writes an item at its position in its stage (last when
// Position is 0), moving the items after it down, in the locked template.
func placeItem(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, templateID, itemID int64, in ItemInput) (TemplateItem, error) {
	var last int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM template_items
		WHERE practice_id = $1 AND template_id = $2 AND stage = $3 AND removed_at IS NULL AND id <> $4`,
		pid, templateID, in.Stage, itemID).Scan(&last); err != nil {
		return TemplateItem{}, err
	}
	pos := in.Position
	if pos == 0 || pos > last {
		pos = last + 1
	} else if _, err := tx.Exec(ctx, `UPDATE template_items SET position = position + 1
		WHERE practice_id = $1 AND template_id = $2 AND stage = $3 AND removed_at IS NULL AND position >= $4 AND id <> $5`,
		pid, templateID, in.Stage, pos, itemID); err != nil {
		return TemplateItem{}, err
	}
	var row pgx.Row
	if itemID == 0 {
		row = tx.QueryRow(ctx, `INSERT INTO template_items (practice_id, template_id, stage, position, text, mandatory, client_request)
			VALUES ($1, $2, $3, $4, $5, $6, nullif($7, '')) RETURNING id, stage, position, text, mandatory, coalesce(client_request, '')`,
			pid, templateID, in.Stage, pos, in.Text, in.Mandatory, in.ClientRequest)
	} else {
		row = tx.QueryRow(ctx, `UPDATE template_items SET stage = $4, position = $5, text = $6, mandatory = $7, client_request = nullif($8, '')
			WHERE practice_id = $1 AND template_id = $2 AND id = $3 AND removed_at IS NULL
			RETURNING id, stage, position, text, mandatory, coalesce(client_request, '')`, pid, templateID, itemID, in.Stage, pos, in.Text, in.Mandatory, in.ClientRequest)
	}
	var it TemplateItem
	err := row.Scan(&it.ID, &it.Stage, &it.Position, &it.Text, &it.Mandatory, &it.ClientRequest)
	return it, db.MapError(err, "That item has been removed from the template.")
}

// RemoveItem takes an item off a template. Tasks under way keep it.
func (s Store) RemoveItem(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, templateID, itemID int64, now time.Time) error {
	return db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var text string
		err := tx.QueryRow(ctx, `UPDATE template_items SET removed_at = $4
			WHERE practice_id = $1 AND template_id = $2 AND id = $3 AND removed_at IS NULL RETURNING text`,
			pid, templateID, itemID, now).Scan(&text)
		if errors.Is(err, pgx.ErrNoRows) {
			return atlas.Errorf(atlas.ENotFound, "That item is no longer on the template.")
		}
		if err != nil {
			return err
		}
		if err := practice.Audit(ctx, tx, pid, actor, "template.item.remove", "template", templateID, map[string]any{"item": itemID, "text": text}); err != nil {
			return err
		}
		return resyncUnstarted(ctx, tx, pid, templateID, 0, now)
	})
}

// StandardItems is the checklist of the standard monthly pack.
var StandardItems = []ItemInput{
	{Stage: 1, Text: "Bank statements received for every account", Mandatory: true},
	{Stage: 1, Text: "Sales and purchase invoices received", Mandatory: true},
	{Stage: 1, Text: "Receipts and petty cash records received", Mandatory: false},
	{Stage: 1, Text: "Payroll reports received", Mandatory: false},
	{Stage: 2, Text: "Sales and purchase invoices captured", Mandatory: true},
	{Stage: 2, Text: "Bank transactions imported or entered", Mandatory: true},
	{Stage: 2, Text: "Petty cash vouchers processed", Mandatory: false},
	{Stage: 2, Text: "Journal entries posted", Mandatory: true},
	{Stage: 3, Text: "All bank accounts reconciled for the period", Mandatory: true},
	{Stage: 3, Text: "Unmatched items investigated and resolved", Mandatory: true},
	{Stage: 3, Text: "Reconciliation reports saved to the client's documents", Mandatory: false},
	{Stage: 4, Text: "Trial balance reviewed", Mandatory: true},
	{Stage: 4, Text: "Income statement and balance sheet prepared", Mandatory: true},
	{Stage: 4, Text: "Variance analysis against prior period or budget", Mandatory: false},
	{Stage: 5, Text: "Reconciliations checked", Mandatory: true},
	{Stage: 5, Text: "Management accounts presentation reviewed", Mandatory: true},
	{Stage: 5, Text: "VAT and payroll figures verified", Mandatory: true},
	{Stage: 5, Text: "Queries for the client flagged", Mandatory: false},
	{Stage: 6, Text: "Management accounts pack sent to the client", Mandatory: true},
}

// StandardTemplate is the heading of the standard monthly pack: due on the
// 10th of the following month.
var StandardTemplate = TemplateInput{
	Name:            StandardTemplateName,
	Description:     "The monthly bookkeeping cycle: collect, capture, reconcile, prepare, review, deliver.",
	DueDay:          10,
	DueMonthOffset:  1,
	StageTargetDays: [6]int{3, 5, 7, 8, 9, 10},
}

// EnsureStandard gives a practice that has no template the standard one,
// and returns its id (0 when the practice already had templates).
func (s Store) EnsureStandard(ctx context.Context, pid atlas.PracticeID, now time.Time) (int64, error) {
	var id int64
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		// Serialise with another replica doing the same for this practice.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM practices WHERE id = $1 FOR UPDATE`, pid); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM templates WHERE practice_id = $1`, pid).Scan(&n); err != nil || n > 0 {
			return err
		}
		res, err := importTemplate(ctx, tx, pid, 0, TemplateSpec{TemplateInput: StandardTemplate, Items: StandardItems}, now)
		id = res.ID
		return err
	})
	return id, err
}
