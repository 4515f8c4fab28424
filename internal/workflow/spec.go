package workflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gopkg.in/yaml.v3"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// TemplateSpec is a whole template, heading and items, as a file gives it.
type TemplateSpec struct {
	TemplateInput
	Items []ItemInput
}

// ParseTemplates reads a templates file. Every mistake is reported, each
// with its line, and none is imported when there is one.
func ParseTemplates(r io.Reader) ([]TemplateSpec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, atlas.Errorf(atlas.EInvalid, "The file is not a templates file: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var root *yaml.Node
	if len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if root != nil && root.Kind != yaml.MappingNode {
		return nil, atlas.Errorf(atlas.EInvalid, "The file is not a templates file: line %d: it starts with `templates:`; see docs/import/templates.yaml.", root.Line)
	}
	var problems []string
	var list []*yaml.Node
	if root != nil {
		problems = unknownKeys(root, "templates")
		if n := mappingValue(root, "templates"); n != nil && n.Kind == yaml.SequenceNode {
			list = n.Content
		}
	}
	if len(list) == 0 {
		problems = append(problems, "The file lists no templates. It starts with `templates:`; see docs/import/templates.yaml.")
		return nil, atlas.Errorf(atlas.EInvalid, "%s", strings.Join(problems, "\n"))
	}
	var out []TemplateSpec
	seen := map[string]int{}
	for _, n := range list {
		var t struct {
			Name        string `yaml:"name"`
			Description string `yaml:"description"`
			Due         struct {
				Day         *int `yaml:"day"`
				MonthsAfter *int `yaml:"months_after"`
			} `yaml:"due"`
			StageTargets []int       `yaml:"stage_targets"`
			Items        []yaml.Node `yaml:"items"`
		}
		problems = append(problems, unknownKeys(n, "name", "description", "due", "stage_targets", "items")...)
		due := mappingValue(n, "due")
		if due != nil {
			problems = append(problems, unknownKeys(due, "day", "months_after")...)
		}
		if err := n.Decode(&t); err != nil {
			problems = append(problems, decodeProblems(n.Line, err)...)
			continue
		}
		spec := TemplateSpec{TemplateInput: TemplateInput{Name: t.Name, Description: t.Description,
			DueDay: StandardTemplate.DueDay, DueMonthOffset: StandardTemplate.DueMonthOffset, StageTargetDays: StandardTemplate.StageTargetDays}}
		if t.Due.Day != nil {
			spec.DueDay = *t.Due.Day
		}
		if t.Due.MonthsAfter != nil {
			spec.DueMonthOffset = *t.Due.MonthsAfter
		}
		if t.StageTargets != nil {
			if len(t.StageTargets) != 6 {
				problems = append(problems, fmt.Sprintf("line %d: stage_targets has %d days; give six, one per stage, such as [3, 5, 7, 8, 9, 10]",
					lineOf(n, "stage_targets"), len(t.StageTargets)))
			} else {
				copy(spec.StageTargetDays[:], t.StageTargets)
			}
		}
		if _, err := spec.TemplateInput.Validate(); err != nil {
			problems = append(problems, linePrefixed(n.Line, err, map[string]int{
				FieldTemplateName:    lineOf(n, "name"),
				FieldTemplateDueDay:  lineOf(due, "day"),
				FieldTemplateDueMon:  lineOf(due, "months_after"),
				FieldTemplateTargets: lineOf(n, "stage_targets"),
			})...)
		}
		key := strings.ToLower(strings.TrimSpace(t.Name))
		if prev, dup := seen[key]; dup && key != "" {
			problems = append(problems, fmt.Sprintf("line %d: a template called %q is already on line %d", n.Line, t.Name, prev))
		}
		seen[key] = n.Line
		if len(t.Items) == 0 {
			problems = append(problems, fmt.Sprintf("line %d: template %q has no items", n.Line, t.Name))
		}
		if len(t.Items) > MaxTemplateItems {
			problems = append(problems, fmt.Sprintf("line %d: template %q has %d items; at most %d", n.Line, t.Name, len(t.Items), MaxTemplateItems))
		}
		for _, in := range t.Items {
			var it struct {
				Stage     int    `yaml:"stage"`
				Text      string `yaml:"text"`
				Mandatory *bool  `yaml:"mandatory"`
			}
			problems = append(problems, unknownKeys(&in, "stage", "text", "mandatory")...)
			if err := in.Decode(&it); err != nil {
				problems = append(problems, decodeProblems(in.Line, err)...)
				continue
			}
			item := ItemInput{Stage: it.Stage, Text: it.Text, Mandatory: it.Mandatory == nil || *it.Mandatory}
			if _, err := item.Validate(); err != nil {
				problems = append(problems, linePrefixed(in.Line, err, map[string]int{
					FieldItemStage: lineOf(&in, "stage"), FieldItemText: lineOf(&in, "text")})...)
			}
			spec.Items = append(spec.Items, item)
		}
		out = append(out, spec)
	}
	if len(problems) > 0 {
		return nil, atlas.Errorf(atlas.EInvalid, "%d problem(s), nothing imported:\n%s", len(problems), strings.Join(problems, "\n"))
	}
	return out, nil
}

// unknownKeys names the keys of a mapping that are not allowed, each with
// its line: a misspelt "mandatroy" must not silently mean the default.
func unknownKeys(n *yaml.Node, allowed ...string) []string {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			out = append(out, fmt.Sprintf("line %d: unknown key %q; use %s", k.Line, k.Value, strings.Join(allowed, ", ")))
		}
	}
	return out
}

// mappingValue is the value of key in mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// decodeProblems words a decoding error as lines of the file: a type
// error already names the line of each value it could not read.
func decodeProblems(line int, err error) []string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return te.Errors
	}
	return []string{fmt.Sprintf("line %d: %s", line, strings.TrimPrefix(err.Error(), "yaml: "))}
}

// lineOf is the line of key's value in mapping n, or 0 when n has no such
// key (or n is nil).
func lineOf(n *yaml.Node, key string) int {
	if n == nil {
		return 0
	}
	if v := mappingValue(n, key); v != nil {
		return v.Line
	}
	return 0
}

// linePrefixed words err's mistakes as lines of the file: each field's on
// the line of its own key where lines has it, else on line.
func linePrefixed(line int, err error, lines map[string]int) []string {
	var fe atlas.FieldErrors
	if errors.As(err, &fe) {
		out := make([]string, len(fe))
		for i, e := range fe {
			at := line
			if l := lines[e.Field]; l > 0 {
				at = l
			}
			out[i] = fmt.Sprintf("line %d: %s", at, e.Message)
		}
		return out
	}
	return []string{fmt.Sprintf("line %d: %s", line, atlas.ErrorMessage(err))}
}

// ImportResult says what importing one template did.
type ImportResult struct {
	ID                             int64
	Name                           string
	Created                        bool
	ItemsAdded, ItemsKept, Removed int
}

// ImportTemplates writes templates by name: a new name adds a template, a
// known one takes the file's heading and items (an item is matched by its
// stage and text, so ticks on tasks under way are never disturbed, and
// tasks not started take the new checklist). All or nothing.
func (s Store) ImportTemplates(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, specs []TemplateSpec, now time.Time) ([]ImportResult, error) {
	var out []ImportResult
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		out = out[:0]
		for _, sp := range specs {
			r, err := importTemplate(ctx, tx, pid, actor, sp, now)
			if err != nil {
				return fmt.Errorf("template %q: %w", sp.Name, err)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

func importTemplate(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, sp TemplateSpec, now time.Time) (ImportResult, error) {
	in, err := sp.TemplateInput.Validate()
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Name: in.Name}
	err = tx.QueryRow(ctx, `INSERT INTO templates (practice_id, name, description, due_day, due_month_offset, stage_target_days)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (practice_id, lower(name)) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, due_day = EXCLUDED.due_day,
			due_month_offset = EXCLUDED.due_month_offset, stage_target_days = EXCLUDED.stage_target_days, active = true, updated_at = now()
		RETURNING id, xmax = 0`, pid, in.Name, in.Description, in.DueDay, in.DueMonthOffset, in.StageTargetDays[:]).Scan(&res.ID, &res.Created)
	if err != nil {
		return res, err
	}
	// Items keep their ids where stage and text still match.
	rows, err := tx.Query(ctx, `SELECT id, stage, text FROM template_items WHERE practice_id = $1 AND template_id = $2 AND removed_at IS NULL`, pid, res.ID)
	if err != nil {
		return res, err
	}
	type key struct {
		stage int
		text  string
	}
	existing := map[key][]int64{}
	var id int64
	var k key
	if _, err := pgx.ForEachRow(rows, []any{&id, &k.stage, &k.text}, func() error {
		k.text = strings.ToLower(k.text)
		existing[k] = append(existing[k], id)
		return nil
	}); err != nil {
		return res, err
	}
	positions := map[int]int{}
	b := &pgx.Batch{}
	for _, raw := range sp.Items {
		it, err := raw.Validate()
		if err != nil {
			return res, err
		}
		positions[it.Stage]++
		k := key{it.Stage, strings.ToLower(it.Text)}
		if ids := existing[k]; len(ids) > 0 {
			existing[k] = ids[1:]
			b.Queue(`UPDATE template_items SET position = $3, text = $4, mandatory = $5 WHERE practice_id = $1 AND id = $2`,
				pid, ids[0], positions[it.Stage], it.Text, it.Mandatory)
			res.ItemsKept++
			continue
		}
		b.Queue(`INSERT INTO template_items (practice_id, template_id, stage, position, text, mandatory) VALUES ($1, $2, $3, $4, $5, $6)`,
			pid, res.ID, it.Stage, positions[it.Stage], it.Text, it.Mandatory)
		res.ItemsAdded++
	}
	for _, ids := range existing {
		for _, id := range ids {
			b.Queue(`UPDATE template_items SET removed_at = $3 WHERE practice_id = $1 AND id = $2`, pid, id, now)
			res.Removed++
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return res, err
	}
	if err := practice.Audit(ctx, tx, pid, actor, "template.import", "template", res.ID, map[string]any{
		"name": res.Name, "created": res.Created, "added": res.ItemsAdded, "kept": res.ItemsKept, "removed": res.Removed}); err != nil {
		return res, err
	}
	return res, resyncUnstarted(ctx, tx, pid, res.ID, 0, now)
}
