package blockkit_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/slack-go/slack"
)

// str returns n two-byte runes, so every limit test also proves that
// lengths are counted in characters: n of them is 2n bytes.
func str(n int) string { return strings.Repeat("é", n) }

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func option(text, value string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(value, plain(text), nil)
}

func options(n int) []*slack.OptionBlockObject {
	opts := make([]*slack.OptionBlockObject, n)
	for i := range opts {
		opts[i] = option(fmt.Sprintf("Option %d", i), fmt.Sprintf("v%d", i))
	}
	return opts
}

func button(text string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement("act", "val", plain(text))
}

func section(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(s), nil, nil)
}

func withAccessory(el slack.BlockElement) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn("Pick one"), nil, slack.NewAccessory(el))
}

func actions(els ...slack.BlockElement) *slack.ActionBlock {
	return slack.NewActionBlock("", els...)
}

func repeatBlocks(n int, b slack.Block) []slack.Block {
	blocks := make([]slack.Block, n)
	for i := range blocks {
		blocks[i] = b
	}
	return blocks
}

func modal(blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  plain("Reconcile"),
		Submit: plain("Save"),
		Close:  plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

func home(blocks ...slack.Block) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// violations runs the checker matching v's type and returns the violations
// as strings, failing the test if the error is not a Violations.
func violations(t *testing.T, v any) []string {
	t.Helper()
	var err error
	switch v := v.(type) {
	case []slack.Block:
		err = blockkit.CheckMessage(v)
	case slack.ModalViewRequest:
		err = blockkit.CheckModal(v)
	case slack.HomeTabViewRequest:
		err = blockkit.CheckHome(v)
	default:
		t.Fatalf("no checker for %T", v)
	}
	if err == nil {
		return nil
	}
	var vs blockkit.Violations
	if !errors.As(err, &vs) {
		t.Fatalf("error %v (%T) is not blockkit.Violations", err, err)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Error()
	}
	return out
}

// TestCheckDetectsEachLimit breaks each limit exactly once, one past the
// maximum, and expects exactly that violation: no more (the fixture is
// otherwise valid), no less, and with the path Slack would point at.
func TestCheckDetectsEachLimit(t *testing.T) {
	bigSelect := func(opts []*slack.OptionBlockObject) *slack.SelectBlockElement {
		return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), "pick", opts...)
	}
	textInput := func(min, max int) *slack.PlainTextInputBlockElement {
		el := slack.NewPlainTextInputBlockElement(plain("Memo"), "memo")
		el.MinLength, el.MaxLength = min, max
		return el
	}
	groups := func(n int) []*slack.OptionGroupBlockObject {
		gs := make([]*slack.OptionGroupBlockObject, n)
		for i := range gs {
			gs[i] = slack.NewOptionGroupBlockElement(plain("Group"), option("A", "a"))
		}
		return gs
	}
	withConfirm := func(title string) *slack.ButtonBlockElement {
		b := button("Delete")
		b.Confirm = slack.NewConfirmationBlockObject(plain(title), plain("Sure?"), plain("Yes"), plain("No"))
		return b
	}

	tests := []struct {
		name string
		in   any // []slack.Block, slack.ModalViewRequest or slack.HomeTabViewRequest
		want string
	}{
		// Surfaces.
		{"message blocks", repeatBlocks(51, slack.NewDividerBlock()),
			"blocks: 51 blocks, limit 50"},
		{"modal blocks", modal(repeatBlocks(101, slack.NewDividerBlock())...),
			"blocks: 101 blocks, limit 100"},
		{"home blocks", home(repeatBlocks(101, slack.NewDividerBlock())...),
			"blocks: 101 blocks, limit 100"},
		{"modal title", func() slack.ModalViewRequest { m := modal(); m.Title = plain(str(25)); return m }(),
			"title: 25 characters, limit 24"},
		{"modal title missing", func() slack.ModalViewRequest { m := modal(); m.Title = nil; return m }(),
			"title: missing; Slack requires it"},
		{"modal title mrkdwn", func() slack.ModalViewRequest { m := modal(); m.Title = mrkdwn("Hi"); return m }(),
			`title: type "mrkdwn", Slack accepts only plain_text here`},
		{"modal submit", func() slack.ModalViewRequest { m := modal(); m.Submit = plain(str(25)); return m }(),
			"submit: 25 characters, limit 24"},
		{"modal close", func() slack.ModalViewRequest { m := modal(); m.Close = plain(str(25)); return m }(),
			"close: 25 characters, limit 24"},
		{"modal submit required with input", func() slack.ModalViewRequest {
			m := modal(slack.NewInputBlock("", plain("Memo"), nil, textInput(0, 0)))
			m.Submit = nil
			return m
		}(), "submit: missing; Slack requires submit when a modal contains input blocks"},
		{"modal private_metadata", func() slack.ModalViewRequest { m := modal(); m.PrivateMetadata = str(3001); return m }(),
			"private_metadata: 3001 characters, limit 3000"},
		{"modal callback_id", func() slack.ModalViewRequest { m := modal(); m.CallbackID = str(256); return m }(),
			"callback_id: 256 characters, limit 255"},
		{"modal type", func() slack.ModalViewRequest { m := modal(); m.Type = ""; return m }(),
			`type: missing; must be "modal"`},
		{"home private_metadata", func() slack.HomeTabViewRequest { h := home(); h.PrivateMetadata = str(3001); return h }(),
			"private_metadata: 3001 characters, limit 3000"},
		{"home callback_id", func() slack.HomeTabViewRequest { h := home(); h.CallbackID = str(256); return h }(),
			"callback_id: 256 characters, limit 255"},
		{"home type", func() slack.HomeTabViewRequest { h := home(); h.Type = slack.VTModal; return h }(),
			`type: "modal", must be "home"`},

		// Blocks.
		{"block_id", []slack.Block{&slack.DividerBlock{Type: slack.MBTDivider, BlockID: str(256)}},
			"blocks[0].block_id: 256 characters, limit 255"},
		{"section text", []slack.Block{section(str(3001))},
			"blocks[0].text: 3001 characters, limit 3000"},
		{"section field text", []slack.Block{slack.NewSectionBlock(nil, []*slack.TextBlockObject{mrkdwn("a"), mrkdwn(str(2001))}, nil)},
			"blocks[0].fields[1]: 2001 characters, limit 2000"},
		{"section fields", []slack.Block{slack.NewSectionBlock(nil, func() []*slack.TextBlockObject {
			fs := make([]*slack.TextBlockObject, 11)
			for i := range fs {
				fs[i] = mrkdwn("x")
			}
			return fs
		}(), nil)}, "blocks[0].fields: 11 fields, limit 10"},
		{"section without text or fields", []slack.Block{slack.NewSectionBlock(nil, nil, nil)},
			"blocks[0].text: missing; a section needs text or at least one field"},
		{"section empty mrkdwn", []slack.Block{section("")},
			"blocks[0].text: empty text; Slack requires at least 1 character"},
		{"header text", []slack.Block{slack.NewHeaderBlock(plain(str(151)))},
			"blocks[0].text: 151 characters, limit 150"},
		{"header mrkdwn", []slack.Block{slack.NewHeaderBlock(mrkdwn("*Hi*"))},
			`blocks[0].text: type "mrkdwn", Slack accepts only plain_text here`},
		{"context elements", []slack.Block{slack.NewContextBlock("", func() []slack.MixedElement {
			els := make([]slack.MixedElement, 11)
			for i := range els {
				els[i] = mrkdwn("x")
			}
			return els
		}()...)}, "blocks[0].elements: 11 elements, limit 10"},
		{"context empty text", []slack.Block{slack.NewContextBlock("", mrkdwn("ok"), plain(""))},
			"blocks[0].elements[1]: empty text; Slack requires at least 1 character"},
		{"actions elements", []slack.Block{actions(func() []slack.BlockElement {
			els := make([]slack.BlockElement, 26)
			for i := range els {
				els[i] = button("Go")
			}
			return els
		}()...)}, "blocks[0].elements: 26 elements, limit 25"},
		{"actions empty", []slack.Block{actions()},
			"blocks[0].elements: 0 elements, minimum 1"},
		{"input label", modal(slack.NewInputBlock("", plain(str(2001)), nil, textInput(0, 0))),
			"blocks[0].label: 2001 characters, limit 2000"},
		{"input hint", modal(slack.NewInputBlock("", plain("Memo"), plain(str(2001)), textInput(0, 0))),
			"blocks[0].hint: 2001 characters, limit 2000"},
		{"image block alt_text", []slack.Block{slack.NewImageBlock("https://example.com/a.png", str(2001), "", nil)},
			"blocks[0].alt_text: 2001 characters, limit 2000"},
		{"image block alt_text empty", []slack.Block{slack.NewImageBlock("https://example.com/a.png", "", "", nil)},
			"blocks[0].alt_text: empty; Slack requires it"},
		{"image element alt_text", []slack.Block{slack.NewContextBlock("", slack.NewImageBlockElement("https://example.com/a.png", str(2001)))},
			"blocks[0].elements[0].alt_text: 2001 characters, limit 2000"},
		{"markdown block", []slack.Block{slack.NewMarkdownBlock("", str(12001))},
			"blocks[0].text: 12001 characters, limit 12000"},

		// Elements.
		{"action_id", []slack.Block{actions(slack.NewButtonBlockElement(str(256), "v", plain("Go")))},
			"blocks[0].elements[0].action_id: 256 characters, limit 255"},
		{"button text", []slack.Block{actions(button(str(80)))},
			"blocks[0].elements[0].text: 80 characters, limit 75"},
		{"button value", []slack.Block{actions(slack.NewButtonBlockElement("act", str(2001), plain("Go")))},
			"blocks[0].elements[0].value: 2001 characters, limit 2000"},
		{"button url", []slack.Block{actions(button("Open").WithURL("https://example.com/" + str(2981)))},
			"blocks[0].elements[0].url: 3001 characters, limit 3000"},
		{"static select options", []slack.Block{withAccessory(bigSelect(options(101)))},
			"blocks[0].accessory.options: 101 options, limit 100"},
		{"static select option groups", []slack.Block{withAccessory(slack.NewOptionsGroupSelectBlockElement(slack.OptTypeStatic, plain("Choose"), "pick", groups(101)...))},
			"blocks[0].accessory.option_groups: 101 option groups, limit 100"},
		{"multi static select options", modal(slack.NewInputBlock("", plain("Clients"), nil,
			slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Choose"), "pick", options(101)...))),
			"blocks[0].element.options: 101 options, limit 100"},
		{"static select without options", []slack.Block{withAccessory(bigSelect(nil))},
			"blocks[0].accessory.options: missing; a static select needs options or option_groups"},
		{"initial option value", []slack.Block{withAccessory(func() *slack.SelectBlockElement {
			el := bigSelect(options(2))
			el.InitialOption = option("A", str(151))
			return el
		}())}, "blocks[0].accessory.initial_option.value: 151 characters, limit 150"},
		{"option text", []slack.Block{withAccessory(bigSelect([]*slack.OptionBlockObject{option(str(76), "a")}))},
			"blocks[0].accessory.options[0].text: 76 characters, limit 75"},
		{"option value", []slack.Block{withAccessory(bigSelect([]*slack.OptionBlockObject{option("A", str(151))}))},
			"blocks[0].accessory.options[0].value: 151 characters, limit 150"},
		{"option description", []slack.Block{withAccessory(bigSelect([]*slack.OptionBlockObject{slack.NewOptionBlockObject("a", plain("A"), plain(str(76)))}))},
			"blocks[0].accessory.options[0].description: 76 characters, limit 75"},
		{"option group label", []slack.Block{withAccessory(slack.NewOptionsGroupSelectBlockElement(slack.OptTypeStatic, plain("Choose"), "pick",
			slack.NewOptionGroupBlockElement(plain(str(76)), option("A", "a"))))},
			"blocks[0].accessory.option_groups[0].label: 76 characters, limit 75"},
		{"checkboxes options", []slack.Block{actions(slack.NewCheckboxGroupsBlockElement("boxes", options(11)...))},
			"blocks[0].elements[0].options: 11 options, limit 10"},
		{"radio buttons options", []slack.Block{actions(slack.NewRadioButtonsBlockElement("radio", options(11)...))},
			"blocks[0].elements[0].options: 11 options, limit 10"},
		{"overflow too many", []slack.Block{withAccessory(slack.NewOverflowBlockElement("more", options(6)...))},
			"blocks[0].accessory.options: 6 options, limit 5"},
		{"overflow empty", []slack.Block{withAccessory(slack.NewOverflowBlockElement("more"))},
			"blocks[0].accessory.options: 0 options, minimum 1"},
		{"placeholder", []slack.Block{withAccessory(slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(str(151)), "pick", options(2)...))},
			"blocks[0].accessory.placeholder: 151 characters, limit 150"},
		{"plain_text_input max_length", modal(slack.NewInputBlock("", plain("Memo"), nil, textInput(0, 3001))),
			"blocks[0].element.max_length: 3001, must be between 1 and 3000"},
		{"plain_text_input min over max", modal(slack.NewInputBlock("", plain("Memo"), nil, textInput(20, 10))),
			"blocks[0].element.min_length: 20, greater than max_length 10"},
		{"confirm title", []slack.Block{actions(withConfirm(str(101)))},
			"blocks[0].elements[0].confirm.title: 101 characters, limit 100"},

		// Hand-built JSON goes through the same walk as slack-go types.
		{"raw JSON block", []slack.Block{slack.MustBlockFromJSON(
			`{"type":"actions","elements":[{"type":"button","action_id":"a","text":{"type":"plain_text","text":"` + str(76) + `"}}]}`)},
			"blocks[0].elements[0].text: 76 characters, limit 75"},
		{"raw JSON nested unknown block", []slack.Block{slack.MustBlockFromJSON(
			`{"type":"future_container","blocks":[{"type":"header","block_id":"h","text":{"type":"plain_text","text":"` + str(151) + `"}}]}`)},
			"blocks[0].blocks[0].text: 151 characters, limit 150"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := violations(t, tt.in)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("violations:\n\t%s\nwant exactly:\n\t%s", strings.Join(got, "\n\t"), tt.want)
			}
		})
	}
}

// TestCheckReportsEveryViolation makes sure the checker keeps going after
// the first problem and reports them in document order.
func TestCheckReportsEveryViolation(t *testing.T) {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(str(151))),
		section("fine"),
		actions(button(str(80)), button("ok"), button("")),
	}
	err := blockkit.CheckMessage(blocks)
	want := []string{
		"blocks[0].text: 151 characters, limit 150",
		"blocks[2].elements[0].text: 80 characters, limit 75",
		"blocks[2].elements[2].text: empty text; Slack requires at least 1 character",
	}
	if got := violations(t, blocks); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "blockkit: 3 Slack limit violations\n") {
		t.Errorf("Error() = %q, want a count header", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("Error() lacks %q:\n%s", w, msg)
		}
	}
	var v blockkit.Violation
	if !errors.As(err, &v) || v.Path != "blocks[0].text" {
		t.Errorf("errors.As(Violation) = %+v, want the first violation", v)
	}
}

func TestCheckNilAndEmpty(t *testing.T) {
	if err := blockkit.CheckMessage(nil); err != nil {
		t.Errorf("CheckMessage(nil) = %v", err)
	}
	if err := blockkit.CheckMessage([]slack.Block{nil}); err == nil || !strings.Contains(err.Error(), "blocks[0]: null block") {
		t.Errorf("CheckMessage([nil]) = %v, want a null block violation", err)
	}
	if err := blockkit.CheckModal(modal()); err != nil {
		t.Errorf("CheckModal(empty) = %v", err)
	}
	if err := blockkit.CheckHome(home()); err != nil {
		t.Errorf("CheckHome(empty) = %v", err)
	}
}

// bigValidBlocks builds n blocks that sit exactly at Slack's limits, with
// multi-byte text throughout, cycling through the block and element types
// the bot uses.
func bigValidBlocks(n int) []slack.Block {
	fields := make([]*slack.TextBlockObject, blockkit.MaxSectionFields)
	for i := range fields {
		fields[i] = mrkdwn(str(blockkit.MaxSectionFieldText))
	}
	buttons := make([]slack.BlockElement, blockkit.MaxActionsElements)
	for i := range buttons {
		b := slack.NewButtonBlockElement(str(blockkit.MaxActionID), str(blockkit.MaxButtonValue), plain(str(blockkit.MaxButtonText)))
		b.AccessibilityLabel = str(blockkit.MaxButtonAccessibilityLabel)
		b.Confirm = slack.NewConfirmationBlockObject(plain(str(blockkit.MaxConfirmTitle)), mrkdwn(str(blockkit.MaxConfirmText)),
			plain(str(blockkit.MaxConfirmButton)), plain(str(blockkit.MaxConfirmButton)))
		buttons[i] = b
	}
	opts := func(n int) []*slack.OptionBlockObject {
		os := make([]*slack.OptionBlockObject, n)
		for i := range os {
			os[i] = slack.NewOptionBlockObject(str(blockkit.MaxOptionValue), plain(str(blockkit.MaxOptionText)), plain(str(blockkit.MaxOptionDescription)))
		}
		return os
	}
	ctx := make([]slack.MixedElement, blockkit.MaxContextElements)
	for i := range ctx {
		if i%2 == 0 {
			ctx[i] = mrkdwn(str(blockkit.MaxTextObject))
		} else {
			ctx[i] = slack.NewImageBlockElement("https://example.com/i.png", str(blockkit.MaxImageAltText))
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(str(blockkit.MaxPlaceholder)), "pick", opts(blockkit.MaxSelectOptions)...)
	overflow := slack.NewOverflowBlockElement("more", opts(blockkit.MaxOverflowOptions)...)
	boxes := slack.NewCheckboxGroupsBlockElement("boxes", opts(blockkit.MaxCheckboxOptions)...)
	radio := slack.NewRadioButtonsBlockElement("radio", opts(blockkit.MaxRadioOptions)...)

	kinds := []slack.Block{
		&slack.HeaderBlock{Type: slack.MBTHeader, BlockID: str(blockkit.MaxBlockID), Text: plain(str(blockkit.MaxHeaderText))},
		slack.NewSectionBlock(mrkdwn(str(blockkit.MaxSectionText)), fields, slack.NewAccessory(sel)),
		slack.NewSectionBlock(plain(str(blockkit.MaxSectionText)), nil, slack.NewAccessory(overflow)),
		actions(buttons...),
		actions(boxes, radio),
		slack.NewContextBlock("", ctx...),
		slack.NewImageBlock("https://example.com/"+str(blockkit.MaxImageURL-len("https://example.com/")), str(blockkit.MaxImageAltText), "", plain(str(blockkit.MaxImageTitle))),
		slack.NewDividerBlock(),
		slack.NewMarkdownBlock("", str(blockkit.MaxMarkdownBlockText)),
	}
	blocks := make([]slack.Block, n)
	for i := range blocks {
		blocks[i] = kinds[i%len(kinds)]
	}
	return blocks
}

func TestCheckBigValidMessagePasses(t *testing.T) {
	if err := blockkit.CheckMessage(bigValidBlocks(blockkit.MaxMessageBlocks)); err != nil {
		t.Fatalf("a message at every limit was rejected:\n%v", err)
	}
}

func TestCheckBigValidViewsPass(t *testing.T) {
	input := slack.NewPlainTextInputBlockElement(plain(str(blockkit.MaxPlaceholder)), "memo")
	input.MinLength, input.MaxLength = blockkit.MaxPlainTextInputLength, blockkit.MaxPlainTextInputLength
	blocks := bigValidBlocks(blockkit.MaxViewBlocks - 1)
	blocks = append(blocks, slack.NewInputBlock("", plain(str(blockkit.MaxInputLabel)), plain(str(blockkit.MaxInputHint)), input))

	m := modal(blocks...)
	m.Title = plain(str(blockkit.MaxModalTitle))
	m.Submit = plain(str(blockkit.MaxModalButton))
	m.Close = plain(str(blockkit.MaxModalButton))
	m.PrivateMetadata = str(blockkit.MaxPrivateMetadata)
	m.CallbackID = str(blockkit.MaxCallbackID)
	if err := blockkit.CheckModal(m); err != nil {
		t.Errorf("a modal at every limit was rejected:\n%v", err)
	}

	h := home(bigValidBlocks(blockkit.MaxViewBlocks)...)
	h.PrivateMetadata = str(blockkit.MaxPrivateMetadata)
	h.CallbackID = str(blockkit.MaxCallbackID)
	if err := blockkit.CheckHome(h); err != nil {
		t.Errorf("a Home tab at every limit was rejected:\n%v", err)
	}
}

// TestBuildersProduceValidViews is the point of the helpers: fed text far
// over every limit, or empty text, the view they build still passes.
func TestBuildersProduceValidViews(t *testing.T) {
	long := strings.Repeat("Smith & Sons <Ltd> 🧾 ", 500)
	invoices := make([]string, 237)
	for i := range invoices {
		invoices[i] = fmt.Sprintf("INV-%04d %s", i, long)
	}
	pageItems, page := blockkit.PageItems(invoices, 3, 20)

	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(long, blockkit.MaxHeaderText))}
	for _, inv := range pageItems {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(blockkit.Escape(inv), blockkit.MaxSectionText), nil,
			slack.NewAccessory(slack.NewButtonBlockElement("open", blockkit.Truncate(inv, blockkit.MaxButtonValue), blockkit.Plain(inv, blockkit.MaxButtonText)))))
	}
	blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(page.More(), 0), blockkit.Plain("", 0)))
	if err := blockkit.CheckMessage(blocks); err != nil {
		t.Fatalf("builders produced an invalid message:\n%v", err)
	}

	m := modal(blocks...)
	m.Title = blockkit.Plain(long, blockkit.MaxModalTitle)
	if err := blockkit.CheckModal(m); err != nil {
		t.Fatalf("builders produced an invalid modal:\n%v", err)
	}
}
