package admin

import (
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

// SetupValues pre-fill the set-up modal. The field block ids match the
// practice package's Field* constants, so validation errors land on them.
type SetupValues struct {
	Name, Timezone, Currency, VATRate string
}

// Block ids of the set-up modal.
const (
	SetupName     = "name"
	SetupTimezone = "timezone"
	SetupCurrency = "currency"
	SetupVATRate  = "vat_rate"
)

// SetupModal asks for the practice basics.
func SetupModal(v SetupValues) slack.ModalViewRequest {
	input := func(blockID, label, hint, initial, placeholder string, max int) *slack.InputBlock {
		el := slack.NewPlainTextInputBlockElement(blockkit.Plain(placeholder, blockkit.MaxPlaceholder), blockID)
		el.InitialValue = initial
		el.MaxLength = max
		b := slack.NewInputBlock(blockID, blockkit.Plain(label, 2000), nil, el)
		if hint != "" {
			b.Hint = blockkit.Plain(hint, 2000)
		}
		return b
	}
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: CallbackSetup,
		Title:      blockkit.Plain("Set up the practice", blockkit.MaxModalTitle),
		Submit:     blockkit.Plain("Save", blockkit.MaxModalTitle),
		Close:      blockkit.Plain("Cancel", blockkit.MaxModalTitle),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			input(SetupName, "Practice name", "", v.Name, "Ledgerline Bookkeeping", 100),
			input(SetupTimezone, "Timezone", "An IANA name: Europe/London, Europe/Dublin, America/New_York…", v.Timezone, "Europe/London", 64),
			input(SetupCurrency, "Currency", "Three-letter ISO code.", v.Currency, "GBP", 3),
			input(SetupVATRate, "VAT rate (%)", "Added to invoices; 0 for none.", v.VATRate, "20", 6),
		}},
	}
}
