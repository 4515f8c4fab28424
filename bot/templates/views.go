package templates

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Template and assignment action and callback ids.
const (
	ActionTemplateNew       = "template.new"
	ActionTemplateEdit      = "template.edit"       // value: the template id
	ActionTemplateAddItem   = "template.item.add"   // value: the template id
	ActionTemplateItemMenu  = "template.item.menu"  // an item's overflow; option values from ItemMenuValue
	ActionTemplateStage     = "template.stage"      // "Show stage N", answered in a new message; value from StageValue
	ActionTemplateStagePage = "template.stage.page" // a stage's other pages, in place; value from StageValue
	CallbackTemplate        = "template.modal"
	CallbackTemplateItem    = "template.item.modal"
	CallbackTemplateRemove  = "template.item.remove"

	ActionAssignTemplate  = "assign.template"  // the assign modal's template select: refills the modal
	ActionAssignmentsPage = "assign.list.page" // another page of /atlas assignments; value from AssignmentsPageValue
	CallbackAssign        = "assign.modal"
)

// Block ids of the template, item and assignment forms that the workflow
// package has no field for.
const (
	TemplateDescription = "template_description"
	ItemMandatory       = "item_mandatory"
	ItemMandatoryValue  = "mandatory"
	// AssignDropped prefixes the "does without" selects, named for their
	// template so that picking another template in the form starts them
	// afresh: assign_dropped.12, then assign_dropped.12.2 past a hundred items.
	AssignDropped = "assign_dropped"
)

// TemplateChangeNote says how far a change to a template reaches.
const TemplateChangeNote = "Changes reach future months and tasks not yet started; a task under way keeps the checklist it started with."

// Item menu verbs.
const (
	ItemMenuEdit   = "edit"
	ItemMenuRemove = "remove"
)

// ItemMenuValue is the value of an item's overflow option.
func ItemMenuValue(verb string, templateID, itemID int64) string {
	return fmt.Sprintf("%s.%d.%d", verb, templateID, itemID)
}

// ParseItemMenu reads an ItemMenuValue.
func ParseItemMenu(v string) (verb string, templateID, itemID int64, ok bool) {
	f := strings.Split(v, ".")
	if len(f) != 3 {
		return "", 0, 0, false
	}
	t, err1 := strconv.ParseInt(f[1], 10, 64)
	i, err2 := strconv.ParseInt(f[2], 10, 64)
	return f[0], t, i, err1 == nil && err2 == nil && t > 0 && i > 0 && (f[0] == ItemMenuEdit || f[0] == ItemMenuRemove)
}

// StageValue is the value of a button showing a page of a template's stage.
func StageValue(templateID int64, stage, page int) string {
	return fmt.Sprintf("%d.%d.%d", templateID, stage, page)
}

// ParseStageValue reads a StageValue.
func ParseStageValue(v string) (templateID int64, stage, page int, ok bool) {
	f := strings.Split(v, ".")
	if len(f) != 3 {
		return 0, 0, 0, false
	}
	t, err1 := strconv.ParseInt(f[0], 10, 64)
	s, err2 := strconv.Atoi(f[1])
	p, err3 := strconv.Atoi(f[2])
	return t, s, p, err1 == nil && err2 == nil && err3 == nil && s >= 1 && s <= 6 && p >= 0
}

// TemplatesData is what /atlas templates shows.
type TemplatesData struct {
	Templates []workflow.Template
	CanEdit   bool // admins: buttons to add, edit and remove
}

// summaryBlocks is what a template shown in summary takes: its heading, its
// context, the per-stage counts and the stage buttons.
const summaryBlocks = 4

// itemsPerStagePage keeps a stage's page inside the message limit with its
// header, context and buttons.
const itemsPerStagePage = 40

// Templates lists the practice's templates. A template is shown whole —
// items grouped by stage — when it fits the message; otherwise as counts
// per stage with a "Show stage N" button for each, so a 200-item template
// never breaks Slack's 50-block limit.
func Templates(d TemplatesData) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain("Checklist templates", blockkit.MaxHeaderText)),
		slack.NewContextBlock("templates.note", blockkit.Markdown(TemplateChangeNote, 0)),
	}
	if len(d.Templates) == 0 {
		text := "No templates yet."
		if d.CanEdit {
			text += " Add one with the button below, or `/atlas templates add`."
		} else {
			text += " An admin adds them with `/atlas templates add`."
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, 0), nil, nil))
	}
	// Room for the "+N more" note and the New template button.
	budget := blockkit.MaxMessageBlocks - len(blocks) - 2
	more := 0
	for i, t := range d.Templates {
		// Whole only while every later template still has room for its
		// summary.
		later := len(d.Templates) - i - 1
		if whole := templateWhole(t, d.CanEdit); len(whole) <= budget-later*summaryBlocks {
			blocks = append(blocks, whole...)
			budget -= len(whole)
			continue
		}
		if summary := templateSummary(t, d.CanEdit); len(summary) <= budget {
			blocks = append(blocks, summary...)
			budget -= len(summary)
			continue
		}
		more = len(d.Templates) - i
		break
	}
	if more > 0 {
		blocks = append(blocks, slack.NewContextBlock("templates.more", blockkit.Markdown(
			fmt.Sprintf("+%d more %s: `/atlas templates NAME` shows one.", more, ui.Plural(more, "template", "templates")), 0)))
	}
	if d.CanEdit {
		blocks = append(blocks, slack.NewActionBlock("templates.actions",
			slack.NewButtonBlockElement(ActionTemplateNew, "new", blockkit.Plain("New template", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)))
	}
	return blocks
}

// templateHeading is a template's name, description and due rule, with its
// Edit button for admins, and a context line of its stage targets.
func templateHeading(t workflow.Template, canEdit bool) []slack.Block {
	text := "*" + blockkit.Escape(blockkit.Truncate(t.Name, workflow.MaxTemplateName)) + "*"
	if !t.Active {
		text += " _(retired: no new tasks)_"
	}
	if t.Description != "" {
		text += "\n" + blockkit.Escape(blockkit.Truncate(t.Description, 500))
	}
	text += "\nDue " + t.DueRule()
	var acc *slack.Accessory
	if canEdit {
		acc = slack.NewAccessory(slack.NewButtonBlockElement(ActionTemplateEdit, strconv.FormatInt(t.ID, 10),
			blockkit.Plain("Edit template", blockkit.MaxButtonText)))
	}
	ctx := fmt.Sprintf("%d %s, %d mandatory · %s", len(t.Items), ui.Plural(len(t.Items), "item", "items"),
		countMandatory(t.Items), TargetsText(t.StageTargetDays))
	return []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(text, 0), nil, acc, slack.SectionBlockOptionBlockID(fmt.Sprintf("template.%d", t.ID))),
		slack.NewContextBlock(fmt.Sprintf("template.%d.targets", t.ID), blockkit.Markdown(ctx, 0)),
	}
}

// TargetsText says a template's stage targets: "stage targets, in days
// after the month ends: 1 day 3 · 2 day 5 · …".
func TargetsText(days [6]int) string {
	targets := make([]string, 6)
	for i, d := range days {
		targets[i] = fmt.Sprintf("%d: day %d", i+1, d)
	}
	return "stage targets, in days after the month ends: " + strings.Join(targets, " · ")
}

// countMandatory counts the items that must be ticked.
func countMandatory(items []workflow.TemplateItem) int {
	n := 0
	for _, it := range items {
		if it.Mandatory {
			n++
		}
	}
	return n
}

func stageItems(t workflow.Template, stage int) []workflow.TemplateItem {
	var out []workflow.TemplateItem
	for _, it := range t.Items {
		if it.Stage == stage {
			out = append(out, it)
		}
	}
	return out
}

func stageHeading(t workflow.Template, stage int, items []workflow.TemplateItem) string {
	s := fmt.Sprintf("*%s* · target: day %d after the month ends", atlas.StageName(stage), t.StageTargetDays[stage-1])
	if len(items) == 0 {
		s += " · _no items_"
	}
	return s
}

// itemLine is one item: its place in its stage, its text, and whether it
// must be ticked before the stage is done.
func itemLine(n int, it workflow.TemplateItem) string {
	mark := "_optional_"
	if it.Mandatory {
		mark = "*mandatory*"
	}
	line := fmt.Sprintf("%d. %s · %s", n, blockkit.Escape(it.Text), mark)
	if it.ClientRequest != "" {
		line += " · asked of the client: “" + blockkit.Escape(it.ClientRequest) + "”"
	}
	return line
}

// itemSection is an item with, for admins, its Edit / Remove menu.
func itemSection(t workflow.Template, n int, it workflow.TemplateItem, canEdit bool) slack.Block {
	var acc *slack.Accessory
	if canEdit {
		acc = slack.NewAccessory(slack.NewOverflowBlockElement(ActionTemplateItemMenu,
			slack.NewOptionBlockObject(ItemMenuValue(ItemMenuEdit, t.ID, it.ID), blockkit.Plain("Edit", blockkit.MaxOptionText), nil),
			slack.NewOptionBlockObject(ItemMenuValue(ItemMenuRemove, t.ID, it.ID), blockkit.Plain("Remove…", blockkit.MaxOptionText), nil)))
	}
	return slack.NewSectionBlock(blockkit.Markdown(itemLine(n, it), 0), nil, acc,
		slack.SectionBlockOptionBlockID(fmt.Sprintf("template.%d.item.%d", t.ID, it.ID)))
}

// itemLines puts items in as few sections as their text allows, for
// people who only read the list.
func itemLines(blockID string, heading string, first int, items []workflow.TemplateItem) []slack.Block {
	var blocks []slack.Block
	var b strings.Builder
	b.WriteString(heading)
	flush := func() {
		id := blockID
		if len(blocks) > 0 {
			id = fmt.Sprintf("%s.%d", blockID, len(blocks)+1)
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(b.String(), 0), nil, nil, slack.SectionBlockOptionBlockID(id)))
		b.Reset()
	}
	for i, it := range items {
		line := itemLine(first+i, it)
		if b.Len() > 0 && b.Len()+1+len(line) > blockkit.MaxSectionText-100 {
			flush()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	flush()
	return blocks
}

// templateWhole is a template with every item, grouped by stage.
func templateWhole(t workflow.Template, canEdit bool) []slack.Block {
	blocks := templateHeading(t, canEdit)
	for stage := 1; stage <= 6; stage++ {
		items := stageItems(t, stage)
		blockID := fmt.Sprintf("template.%d.stage.%d", t.ID, stage)
		if !canEdit {
			blocks = append(blocks, itemLines(blockID, stageHeading(t, stage, items), 1, items)...)
			continue
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(stageHeading(t, stage, items), 0), nil, nil, slack.SectionBlockOptionBlockID(blockID)))
		for i, it := range items {
			blocks = append(blocks, itemSection(t, i+1, it, true))
		}
	}
	if canEdit {
		blocks = append(blocks, slack.NewActionBlock(fmt.Sprintf("template.%d.actions", t.ID),
			slack.NewButtonBlockElement(ActionTemplateAddItem, strconv.FormatInt(t.ID, 10), blockkit.Plain("Add item", blockkit.MaxButtonText))))
	}
	return blocks
}

// templateSummary is a template too long to show whole: counts per stage
// and a button to show each stage's items.
func templateSummary(t workflow.Template, canEdit bool) []slack.Block {
	blocks := templateHeading(t, canEdit)
	lines := make([]string, 0, 6)
	var buttons []slack.BlockElement
	for stage := 1; stage <= 6; stage++ {
		items := stageItems(t, stage)
		line := stageHeading(t, stage, items)
		if len(items) > 0 {
			line += fmt.Sprintf(" — %d %s, %d mandatory", len(items), ui.Plural(len(items), "item", "items"), countMandatory(items))
			buttons = append(buttons, slack.NewButtonBlockElement(ActionTemplateStage, StageValue(t.ID, stage, 0),
				blockkit.Plain(fmt.Sprintf("Show stage %d", stage), blockkit.MaxButtonText)))
		}
		lines = append(lines, line)
	}
	blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(strings.Join(lines, "\n"), 0), nil, nil,
		slack.SectionBlockOptionBlockID(fmt.Sprintf("template.%d.stages", t.ID))))
	if canEdit {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTemplateAddItem, strconv.FormatInt(t.ID, 10), blockkit.Plain("Add item", blockkit.MaxButtonText)))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock(fmt.Sprintf("template.%d.actions", t.ID), buttons...))
	}
	return blocks
}

// StageData is one page of one stage of a template.
type StageData struct {
	Template workflow.Template
	Stage    int
	Page     int // zero-based
	CanEdit  bool
}

// TemplateStage shows a page of one stage's items, with buttons to the
// other pages.
func TemplateStage(d StageData) []slack.Block {
	t := d.Template
	items := stageItems(t, d.Stage)
	shown, page := blockkit.PageItems(items, d.Page, itemsPerStagePage)
	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain(t.Name+" — "+atlas.StageName(d.Stage), blockkit.MaxHeaderText)),
		slack.NewContextBlock("stage.note", blockkit.Markdown(fmt.Sprintf("Target: day %d after the month ends · %d %s · %s · %s",
			t.StageTargetDays[d.Stage-1], len(items), ui.Plural(len(items), "item", "items"), page.Label(), TemplateChangeNote), 0)),
	}
	if len(items) == 0 {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown("No items in this stage.", 0), nil, nil))
	}
	if d.CanEdit {
		for i, it := range shown {
			blocks = append(blocks, itemSection(t, page.Start+i+1, it, true))
		}
	} else if len(shown) > 0 {
		blocks = append(blocks, itemLines("stage.items", "", page.Start+1, shown)...)
	}
	var buttons []slack.BlockElement
	if page.HasPrev() {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTemplateStagePage, StageValue(t.ID, d.Stage, page.Index-1),
			blockkit.Plain("Previous", blockkit.MaxButtonText)))
	}
	if page.HasNext() {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTemplateStagePage, StageValue(t.ID, d.Stage, page.Index+1),
			blockkit.Plain("Next ("+page.More()+")", blockkit.MaxButtonText)))
	}
	if d.CanEdit {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTemplateAddItem, strconv.FormatInt(t.ID, 10), blockkit.Plain("Add item", blockkit.MaxButtonText)))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("stage.actions", buttons...))
	}
	return blocks
}

// TemplateMeta travels in the template modal.
type TemplateMeta struct {
	ID int64 `json:"id,omitempty"`
}

// TemplateForm pre-fills the template modal, as text.
type TemplateForm struct {
	ID                int64
	Name, Description string
	DueDay, DueMonths string // DueMonths is "0" to "3"
	Targets           string // six days, "3 5 7 8 9 10"
}

// DueMonthOptions are the choices of the "months after" select.
var DueMonthOptions = []blockkit.Option{
	{Value: "0", Label: "0 · the month itself"}, {Value: "1", Label: "1 · the following month"}, {Value: "2", Label: "2 · two months after"}, {Value: "3", Label: "3 · three months after"},
}

// TemplateModal adds (ID 0) or edits a template's heading.
func TemplateModal(f TemplateForm) slack.ModalViewRequest {
	title := "New template"
	if f.ID != 0 {
		title = "Edit template"
	}
	meta, _ := json.Marshal(TemplateMeta{ID: f.ID})
	desc := blockkit.TextInput(TemplateDescription, "Description", "What the template is for, shown with its list.", f.Description,
		"The monthly bookkeeping cycle for most clients", 1000, true)
	desc.Element.(*slack.PlainTextInputBlockElement).Multiline = true
	blocks := []slack.Block{
		blockkit.TextInput(workflow.FieldTemplateName, "Name", "", f.Name, "Monthly Bookkeeping Pack — Standard", workflow.MaxTemplateName, false),
		desc,
		blockkit.TextInput(workflow.FieldTemplateDueDay, "Due day", "Day of the month the pack is due, 1 to 28.", f.DueDay, "10", 2, false),
		blockkit.StaticSelect(workflow.FieldTemplateDueMon, "Due in", DueMonthOptions, f.DueMonths, false),
		blockkit.TextInput(workflow.FieldTemplateTargets, "Stage target days",
			"Six days, one per stage (collect, capture, reconcile, prepare, review, deliver), counted from the end of the month, when its documents exist: 3 is the 3rd of the following month.",
			f.Targets, "3 5 7 8 9 10", 40, false),
		slack.NewContextBlock("template.modal.note", blockkit.Markdown(TemplateChangeNote, 0)),
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackTemplate, PrivateMetadata: string(meta),
		Title:  blockkit.Plain(title, blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// ItemMeta travels in the item and remove modals.
type ItemMeta struct {
	TemplateID int64 `json:"template_id"`
	ItemID     int64 `json:"item_id,omitempty"`
}

// ItemForm pre-fills the item modal.
type ItemForm struct {
	TemplateID   int64
	TemplateName string
	ItemID       int64
	Stage        int // 0 for none chosen
	Text         string
	Mandatory    bool
	Position     string // the place in its stage, "" for last (or, editing, where it is)
	// ClientRequest is the wording the client is asked for it in, "" when
	// the item is not requested from the client (stage 1 only).
	ClientRequest string
}

// StageOptions are the six stages for a select.
func StageOptions() []blockkit.Option {
	out := make([]blockkit.Option, 6)
	for i := range out {
		out[i] = blockkit.Option{Value: strconv.Itoa(i + 1), Label: atlas.StageName(i + 1)}
	}
	return out
}

// ItemModal adds (ItemID 0) or edits a checklist item of a template.
func ItemModal(f ItemForm) slack.ModalViewRequest {
	title, hint := "Add item", "Empty puts it last in its stage; 1 puts it first."
	if f.ItemID != 0 {
		title, hint = "Edit item", "Empty keeps its place (or puts it last if it changes stage); 1 puts it first."
	}
	meta, _ := json.Marshal(ItemMeta{TemplateID: f.TemplateID, ItemID: f.ItemID})
	stage := ""
	if f.Stage >= 1 && f.Stage <= 6 {
		stage = strconv.Itoa(f.Stage)
	}
	text := blockkit.TextInput(workflow.FieldItemText, "Item", "What is to be done, as it reads on the checklist.", f.Text,
		"Bank statements received for every account", workflow.MaxItemText, false)
	text.Element.(*slack.PlainTextInputBlockElement).Multiline = true
	var mandatory []string
	if f.Mandatory {
		mandatory = []string{ItemMandatoryValue}
	}
	blocks := []slack.Block{
		slack.NewContextBlock("item.template", blockkit.Markdown("Template: *"+blockkit.Escape(f.TemplateName)+"*", 0)),
		blockkit.StaticSelect(workflow.FieldItemStage, "Stage", StageOptions(), stage, false),
		text,
	}
	blocks = append(blocks, blockkit.Checkboxes(ItemMandatory, "Mandatory",
		[]blockkit.Option{{Value: ItemMandatoryValue, Label: "Mandatory: the stage is not done until it is ticked"}}, mandatory)...)
	blocks = append(blocks,
		blockkit.TextInput(workflow.FieldItemPosition, "Place in its stage", hint, f.Position, "1", 3, true),
		blockkit.TextInput(workflow.FieldItemRequest, "Ask the client for it, in these words",
			"Stage 1 only. The document request emailed to the client's contacts lists it in these words, and the client uploads it in the portal. Empty: not asked of the client.",
			f.ClientRequest, "Your bank statements for the month, for every account", workflow.MaxClientRequest, true),
		slack.NewContextBlock("item.note", blockkit.Markdown(TemplateChangeNote, 0)))
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackTemplateItem, PrivateMetadata: string(meta),
		Title:  blockkit.Plain(title, blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// RemoveItemModal asks before an item is taken off a template.
func RemoveItemModal(templateName string, it workflow.TemplateItem, meta ItemMeta) slack.ModalViewRequest {
	raw, _ := json.Marshal(meta)
	text := fmt.Sprintf("Remove this item from *%s*?\n\n>%s\n>_%s_\n\nTasks not started yet lose it; tasks under way keep it, ticked or not.",
		blockkit.Escape(templateName), blockkit.Escape(it.Text), atlas.StageName(it.Stage))
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackTemplateRemove, PrivateMetadata: string(raw),
		Title:  blockkit.Plain("Remove item", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Remove", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Keep it", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(blockkit.Markdown(text, 0), nil, nil)}},
	}
}

// AssignMeta travels in the assign modal.
type AssignMeta struct {
	EntityID int64 `json:"entity_id"`
}

// AssignForm pre-fills the assign modal.
type AssignForm struct {
	EntityID           int64
	Client             string            // "ACME · Acme Trading Ltd"
	Templates          []blockkit.Option // active templates
	Template           string            // the chosen template's id
	Items              []workflow.TemplateItem
	Preparer, Reviewer string // Slack user ids
	Extras             string // one item a line, as FormatExtra writes them
	Dropped            []string
}

// dropsPerSelect is Slack's limit of options in one select.
const dropsPerSelect = blockkit.MaxSelectOptions

// DroppedBlockIDs are the block ids of the "does without" selects for a
// template of n items: a hundred items each.
func DroppedBlockIDs(templateID string, n int) []string {
	var out []string
	for i := 0; i*dropsPerSelect < n; i++ {
		id := AssignDropped + "." + templateID
		if i > 0 {
			id = fmt.Sprintf("%s.%d", id, i+1)
		}
		out = append(out, id)
	}
	return out
}

// AssignModal sets a client's template, preparer, reviewer and own
// changes to the checklist.
func AssignModal(f AssignForm) slack.ModalViewRequest {
	meta, _ := json.Marshal(AssignMeta{EntityID: f.EntityID})
	tmpl := blockkit.StaticSelect(workflow.FieldAssignTemplate, "Template", f.Templates, f.Template, false)
	tmpl.Element.(*slack.SelectBlockElement).ActionID = ActionAssignTemplate
	tmpl.DispatchAction = true
	tmpl.Hint = blockkit.Plain("Each month the client gets a task with this checklist. Picking another template replaces the client's current one: this month's pack too if nobody has started it, else from next month.", blockkit.MaxInputHint)
	person := func(blockID, label, hint, initial string) *slack.InputBlock {
		el := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, blockkit.Plain("Choose someone on the team", blockkit.MaxPlaceholder), blockID)
		el.InitialUser = initial
		return slack.NewInputBlock(blockID, blockkit.Plain(label, blockkit.MaxInputLabel), blockkit.Plain(hint, blockkit.MaxInputHint), el)
	}
	extras := blockkit.TextInput(workflow.FieldAssignExtras, "Extra items for this client",
		"One a line, as stage: item — such as 3: Cost-centre reporting. Add (optional) at the end for an item that need not be ticked.",
		f.Extras, "3: Cost-centre reporting", blockkit.MaxPlainTextInputLength, true)
	extras.Element.(*slack.PlainTextInputBlockElement).Multiline = true
	blocks := []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown("*"+blockkit.Escape(f.Client)+"*\nChanges reach this month's task if it has not started; a task under way keeps its checklist and people.", 0), nil, nil),
		tmpl,
		person(workflow.FieldAssignPreparer, "Preparer", "Ticks the checklist and sends the pack for review.", f.Preparer),
		person(workflow.FieldAssignReviewer, "Reviewer", "Reviews the pack before it goes to the client.", f.Reviewer),
		extras,
	}
	blocks = append(blocks, droppedSelects(f.Template, f.Items, f.Dropped)...)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackAssign, PrivateMetadata: string(meta),
		Title:  blockkit.Plain("Assign a client", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// droppedSelects offers the template's items, grouped by stage, a hundred
// to a select (Slack's limit), so a 200-item template takes two.
func droppedSelects(templateID string, items []workflow.TemplateItem, dropped []string) []slack.Block {
	ids := DroppedBlockIDs(templateID, len(items))
	blocks := make([]slack.Block, 0, len(ids))
	for i, chunk := range blockkit.Chunk(items, dropsPerSelect) {
		var groups []*slack.OptionGroupBlockObject
		var initial []*slack.OptionBlockObject
		for j, it := range chunk {
			o := slack.NewOptionBlockObject(strconv.FormatInt(it.ID, 10), blockkit.Plain(it.Text, blockkit.MaxOptionText), nil)
			if j == 0 || chunk[j-1].Stage != it.Stage {
				groups = append(groups, slack.NewOptionGroupBlockElement(blockkit.Plain(atlas.StageName(it.Stage), blockkit.MaxOptionGroupLabel)))
			}
			g := groups[len(groups)-1]
			g.Options = append(g.Options, o)
			if slices.Contains(dropped, o.Value) {
				initial = append(initial, o)
			}
		}
		el := slack.NewOptionsGroupMultiSelectBlockElement(slack.MultiOptTypeStatic, blockkit.Plain("None: every item applies", blockkit.MaxPlaceholder), ids[i], groups...)
		el.InitialOptions = initial
		label := "Items this client does without"
		if len(ids) > 1 {
			first, last := i*dropsPerSelect+1, i*dropsPerSelect+len(chunk)
			label = fmt.Sprintf("%s (items %d–%d)", label, first, last)
		}
		b := slack.NewInputBlock(ids[i], blockkit.Plain(label, blockkit.MaxInputLabel), nil, el)
		b.Optional = true
		blocks = append(blocks, b)
	}
	return blocks
}

// FormatExtra writes an extra item as the assign form reads it back.
func FormatExtra(stage int, text string, mandatory bool) string {
	s := fmt.Sprintf("%d: %s", stage, text)
	if !mandatory {
		s += " (optional)"
	}
	return s
}

// AssignmentRow is one line of /atlas assignments.
type AssignmentRow struct {
	Client, Template   string
	Preparer, Reviewer string // Slack user ids
	Extras, Dropped    int
}

// AssignmentsData is a page of /atlas assignments.
type AssignmentsData struct {
	Rows      []AssignmentRow // every assignment; the view shows one page
	Page      int
	EntityID  int64  // the client the list is for, 0 for all
	Client    string // its label
	CanAssign bool
}

// assignmentsPerPage lines fit a message in a few sections.
const assignmentsPerPage = 40

// assignmentsPerSection keeps a section well inside its 3,000 characters.
const assignmentsPerSection = 10

// AssignmentsPageValue is the value of a page button of the list.
func AssignmentsPageValue(page int, entity int64) string { return fmt.Sprintf("%d.%d", page, entity) }

// ParseAssignmentsPage reads an AssignmentsPageValue.
func ParseAssignmentsPage(v string) (page int, entity int64, ok bool) {
	p, e, found := strings.Cut(v, ".")
	n, err1 := strconv.Atoi(p)
	id, err2 := strconv.ParseInt(e, 10, 64)
	return n, id, found && err1 == nil && err2 == nil && n >= 0
}

// Assignments lists which template each client follows and who prepares
// and reviews it.
func Assignments(d AssignmentsData) []slack.Block {
	title := "Assignments"
	if d.Client != "" {
		title += " · " + d.Client
	}
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText))}
	if len(d.Rows) == 0 {
		text := "No client is assigned a template yet."
		if d.Client != "" {
			text = "This client is not assigned a template yet."
		}
		if d.CanAssign {
			text += " Assign one with `/atlas assign CLIENT`, such as `/atlas assign acme`."
		}
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, 0), nil, nil))
	}
	shown, page := blockkit.PageItems(d.Rows, d.Page, assignmentsPerPage)
	for _, chunk := range blockkit.Chunk(shown, assignmentsPerSection) {
		lines := make([]string, len(chunk))
		for i, r := range chunk {
			line := fmt.Sprintf("*%s* · %s\n      prepares <@%s> · reviews <@%s>",
				blockkit.Escape(blockkit.Truncate(r.Client, 80)), blockkit.Escape(blockkit.Truncate(r.Template, 60)), r.Preparer, r.Reviewer)
			var changes []string
			if r.Extras > 0 {
				changes = append(changes, fmt.Sprintf("+%d extra", r.Extras))
			}
			if r.Dropped > 0 {
				changes = append(changes, fmt.Sprintf("−%d dropped", r.Dropped))
			}
			if len(changes) > 0 {
				line += " · " + strings.Join(changes, ", ")
			}
			lines[i] = line
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(strings.Join(lines, "\n"), 0), nil, nil))
	}
	note := fmt.Sprintf("%d %s", len(d.Rows), ui.Plural(len(d.Rows), "assignment", "assignments"))
	if page.Pages > 1 {
		note += " · " + page.Label()
	}
	if d.CanAssign {
		note += " · change one with `/atlas assign CLIENT`"
	}
	blocks = append(blocks, slack.NewContextBlock("assignments.note", blockkit.Markdown(note, 0)))
	var buttons []slack.BlockElement
	if page.HasPrev() {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionAssignmentsPage, AssignmentsPageValue(page.Index-1, d.EntityID),
			blockkit.Plain("Previous", blockkit.MaxButtonText)))
	}
	if page.HasNext() {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionAssignmentsPage, AssignmentsPageValue(page.Index+1, d.EntityID),
			blockkit.Plain("Next ("+page.More()+")", blockkit.MaxButtonText)))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("assignments.pages", buttons...))
	}
	return blocks
}
