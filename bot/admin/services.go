package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

const servicesUsage = "`/atlas services add CODE Name [retainer] [vat:zero|reduced|exempt|outside] [non-billable]`, for example `/atlas services add PAYROLL Payroll` or `/atlas services add CHFEE Companies House fees vat:outside`"

// servicesDetail is the rules of `/atlas services add`, for its help.
const servicesDetail = "*What the words after the name mean*\n" +
	"• `retainer`: fixed-fee retainers cover the service unless a client says otherwise.\n" +
	"• `vat:` and a treatment — `vat:standard` (the default: the practice's VAT rate), `vat:reduced` (the reduced rate), " +
	"`vat:zero` (zero rated), `vat:exempt`, or `vat:outside` (outside the scope of VAT, such as fees paid on the client's behalf). " +
	"Each invoice line made from the service carries it.\n" +
	"• `non-billable`: time on it is never invoiced (internal work, training).\n" +
	"They go at the end, in any order. Adding a service that exists renames it and sets all three again: " +
	"words left out mean not covered, standard rated and billable."

// services lists the services, or with add creates or renames one (admins).
func (h handlers) services(ctx context.Context, r *slackapp.Request) error {
	store := h.Practice
	args := strings.Fields(r.Text)
	if len(args) == 0 {
		list, err := store.Services(ctx, r.Practice.ID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return r.Reply(slackapp.Message{Text: "No services yet. An admin adds them with " + servicesUsage + "."})
		}
		lines := []string{"*Services*"}
		for _, s := range list {
			lines = append(lines, fmt.Sprintf("`%s` %s", s.Code, s.Name)+serviceNotes(s))
		}
		return r.Reply(slackapp.Message{Text: strings.Join(lines, "\n")})
	}
	return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/atlas services %s`. Use `/atlas services` to list them, or %s.", args[0], servicesUsage)
}

// serviceNotes is what sets a service apart, after its name: " · covered
// by retainers · zero rated · non-billable". Standard rated and billable
// go without saying.
func serviceNotes(s practice.Service) string {
	var notes []string
	if s.CoveredByRetainer {
		notes = append(notes, "covered by retainers")
	}
	if s.VATTreatment != "" && s.VATTreatment != practice.VATStandard {
		notes = append(notes, strings.ToLower(practice.VATTreatmentLabel(s.VATTreatment)))
	}
	if !s.Billable {
		notes = append(notes, "non-billable")
	}
	if len(notes) == 0 {
		return ""
	}
	return " · " + strings.Join(notes, " · ")
}

// servicesAdd is `/atlas services add CODE Name [retainer]
// [vat:TREATMENT] [non-billable]`: it adds a service or renames one.
func (h handlers) servicesAdd(ctx context.Context, r *slackapp.Request) error {
	args := strings.Fields(r.Text)
	billable := true
	in := practice.ServiceInput{VATTreatment: practice.VATStandard, Billable: &billable}
	// The flags are the words at the end, in any order; the name is
	// whatever comes before them.
flags:
	for len(args) > 0 {
		last := strings.ToLower(args[len(args)-1])
		if v, ok := cutAny(last, "vat:", "vat="); ok {
			t, err := practice.ParseVATTreatment(v, r.Practice.VATRate, r.Practice.ReducedVATRate)
			if err != nil {
				return atlas.Errorf(atlas.EInvalid, "`%s` is not a VAT treatment. Write `vat:standard`, `vat:reduced`, `vat:zero`, `vat:exempt` or `vat:outside`, as in `/atlas services add CHFEE Companies House fees vat:outside`.", args[len(args)-1])
			}
			in.VATTreatment = t
		} else {
			switch last {
			case "retainer":
				in.CoveredByRetainer = true
			case "non-billable", "nonbillable", "unbillable", "not-billable":
				billable = false
			default:
				break flags
			}
		}
		args = args[:len(args)-1]
	}
	if len(args) < 2 {
		return atlas.Errorf(atlas.EInvalid, "Give a code and a name: %s.", servicesUsage)
	}
	in.Code, in.Name = args[0], strings.Join(args[1:], " ")
	s, err := h.Practice.PutService(ctx, r.Practice.ID, r.Member.ID, in)
	if err != nil {
		return err
	}
	var notes []string
	if s.CoveredByRetainer {
		notes = append(notes, "Fixed-fee retainers cover it unless a client says otherwise.")
	}
	notes = append(notes, "VAT: "+strings.ToLower(practice.VATTreatmentLabel(s.VATTreatment))+".")
	if !s.Billable {
		notes = append(notes, "Its time is never invoiced.")
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf(":white_check_mark: Service `%s` %s saved. %s", s.Code, s.Name, strings.Join(notes, " "))})
}

// cutAny is s after the first of the prefixes it starts with.
func cutAny(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}
