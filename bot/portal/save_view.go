package portal

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
)

// ShortcutSave is "Save to client documents", the message shortcut
// (manifest.yaml declares it).
const ShortcutSave = "save_to_client_documents"

// The save form: its callback and inputs.
const (
	CallbackSave = "docs.save"
	SaveClient   = "save_client" // the client type-ahead (ui.ActionClientSearch)
	SaveMonth    = "save_month"  // the month: a static select
)

// saveMonthsBack is how many months before this one the form offers.
const saveMonthsBack = 12

// SaveForm is what the save form shows: the message's files, and the
// months to pick from with the one chosen at first.
type SaveForm struct {
	Files  []string // the files' names
	Months []blockkit.Option
	Month  string // "2026-10"
}

// SaveMeta travels in the save form: the ids of the message's files.
type SaveMeta struct {
	Files []string `json:"f"`
}

// SaveMonths are the months the form offers, this month and the twelve
// before it, the newest first; last month is chosen at first (a month's
// papers come in once it is over).
func SaveMonths(this atlas.Period) ([]blockkit.Option, string) {
	var opts []blockkit.Option
	p := this
	for range saveMonthsBack + 1 {
		opts = append(opts, blockkit.Option{Value: p.String(), Label: p.Label()})
		p = p.Prev()
	}
	return opts, this.Prev().String()
}

// SaveModal asks which client and month a message's files are for.
func SaveModal(f SaveForm, meta SaveMeta) slack.ModalViewRequest {
	names := make([]string, len(f.Files))
	for i, n := range f.Files {
		names[i] = "*" + blockkit.Escape(portal.CleanName(n)) + "*"
	}
	files := "The file of this message: " + strings.Join(names, ", ")
	if len(names) > 1 {
		files = fmt.Sprintf("The %d files of this message: %s", len(names), strings.Join(names, ", "))
	}
	client := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, blockkit.Plain("Type a client's code or name", blockkit.MaxPlaceholder), ui.ActionClientSearch)
	minQuery := 0
	client.MinQueryLength = &minQuery
	month := blockkit.StaticSelect(SaveMonth, "Month", f.Months, f.Month, false)
	month.Hint = blockkit.Plain("They are listed under this month in /docs, with the client's pack of the month if it has one.", 2000)
	m, _ := json.Marshal(meta)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackSave, PrivateMetadata: string(m),
		Title:  blockkit.Plain("Save to documents", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(blockkit.Markdown(files, blockkit.MaxSectionText), nil, nil),
			slack.NewInputBlock(SaveClient, blockkit.Plain("Client", 2000), nil, client),
			month,
			slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("Atlas keeps %s files of up to %s each, as the portal takes from clients.",
				portal.AllowedKinds(), portal.HumanBytes(portal.MaxFileBytes)), 0)),
		}},
	}
}

// SaveResult is what became of a message's files.
type SaveResult struct {
	Client  string       // the client's code
	Period  atlas.Period // the month they were saved for
	Today   atlas.Period // this month, for the /docs hint
	Saved   []portal.SavedFile
	Refused []string // why each file not saved was not
}

// SavedText answers the save: "Saved bank-rec.pdf to ACME's documents for
// November 2026 · `/docs acme nov`", then a line for each file not saved.
func SavedText(v SaveResult) string {
	var kept, already []string
	for _, s := range v.Saved {
		if s.Already {
			already = append(already, blockkit.Escape(s.Name))
		} else {
			kept = append(kept, blockkit.Escape(s.Name))
		}
	}
	where := fmt.Sprintf("%s's documents for %s", blockkit.Escape(v.Client), v.Period.Label())
	var lines []string
	switch {
	case len(kept) > 0:
		lines = append(lines, fmt.Sprintf(":white_check_mark: Saved %s to %s · `/docs %s`", list(kept), where, blockkit.Escape(docsText(v))))
	case len(already) == 0:
		lines = append(lines, fmt.Sprintf(":warning: Nothing was saved to %s.", where))
	}
	if len(already) > 0 {
		verb := "was"
		if len(already) > 1 {
			verb = "were"
		}
		line := fmt.Sprintf("%s %s already among %s, so %s kept once.", list(already), verb, where, pronoun(len(already)))
		if len(kept) == 0 {
			line += fmt.Sprintf(" · `/docs %s`", blockkit.Escape(docsText(v)))
		}
		lines = append(lines, line)
	}
	for _, r := range v.Refused {
		lines = append(lines, ":x: "+blockkit.Escape(r))
	}
	return strings.Join(lines, "\n")
}

// docsText is the /docs text that lists the month's documents: the month
// by its short name when that names it ("acme nov"), else in full.
func docsText(v SaveResult) string {
	month := v.Period.String()
	short := strings.ToLower(v.Period.Month.String()[:3])
	if _, p, ok := ui.ReadMonth([]string{short}, v.Today.FirstDay()); ok && p == v.Period {
		month = short
	}
	return strings.ToLower(v.Client) + " " + month
}

// list joins names: "a", "a and b", "a, b and c".
func list(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func pronoun(n int) string {
	if n == 1 {
		return "it is"
	}
	return "they are"
}
