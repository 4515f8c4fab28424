package admin

import (
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
)

// Rate modal ids.
const (
	CallbackRate = "rate.modal"
	RateClient   = "rate_client"
	RateService  = "rate_service"
	RateMember   = "rate_member"
	RateAmount   = "rate_amount"
	RateFrom     = "rate_from"
	RateAction   = "rate_action"
)

// RateModal sets or ends a rate for a combination of client, service and
// person (each optional: none of them is the practice default).
func RateModal(services []blockkit.Option, today string, currency string) slack.ModalViewRequest {
	client := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, blockkit.Plain("Any client", blockkit.MaxPlaceholder), ui.ActionClientSearch)
	minQuery := 0
	client.MinQueryLength = &minQuery
	clientBlock := slack.NewInputBlock(RateClient, blockkit.Plain("Client", 2000), blockkit.Plain("Empty for every client.", 2000), client)
	clientBlock.Optional = true

	member := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, blockkit.Plain("Anyone", blockkit.MaxPlaceholder), RateMember)
	memberBlock := slack.NewInputBlock(RateMember, blockkit.Plain("Team member", 2000), blockkit.Plain("Empty for everyone.", 2000), member)
	memberBlock.Optional = true

	from := slack.NewDatePickerBlockElement(RateFrom)
	from.InitialDate = today
	fromBlock := slack.NewInputBlock(RateFrom, blockkit.Plain("From", 2000), blockkit.Plain("The first day it applies (or, when ending, the first day it no longer does).", 2000), from)

	set := slack.NewOptionBlockObject("set", blockkit.Plain("Set this rate", 75), nil)
	end := slack.NewOptionBlockObject("end", blockkit.Plain("End the rate for this combination", 75), nil)
	action := slack.NewRadioButtonsBlockElement(RateAction, set, end)
	action.InitialOption = set
	actionBlock := slack.NewInputBlock(RateAction, blockkit.Plain("What to do", 2000), nil, action)

	blocks := []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown("Leave client, service and person empty for the practice default. `/atlas rates help` explains which rate wins.", 0), nil, nil),
		clientBlock,
	}
	if len(services) > 0 {
		blocks = append(blocks, blockkit.StaticSelect(RateService, "Service", services, "", true))
	}
	blocks = append(blocks, memberBlock,
		blockkit.TextInput(RateAmount, "Hourly rate ("+currency+")", "", "", "95.00", 15, true),
		fromBlock, actionBlock)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackRate,
		Title:  blockkit.Plain("Set a rate", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalTitle),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalTitle),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}
