package blockkit

import (
	"fmt"

	"github.com/slack-go/slack"
)

// Option is one choice of a select or a group of checkboxes.
type Option struct{ Value, Label string }

// Options turns choices into Slack's option objects, each within Slack's
// lengths.
func Options(opts []Option) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, 0, len(opts))
	for _, o := range opts {
		out = append(out, slack.NewOptionBlockObject(Truncate(o.Value, 150), Plain(o.Label, 75), nil))
	}
	return out
}

// TextInput is a plain-text input block whose action id is its block id.
func TextInput(blockID, label, hint, initial, placeholder string, max int, optional bool) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(Plain(placeholder, MaxPlaceholder), blockID)
	el.InitialValue = initial
	el.MaxLength = max
	b := slack.NewInputBlock(blockID, Plain(label, 2000), nil, el)
	if hint != "" {
		b.Hint = Plain(hint, 2000)
	}
	b.Optional = optional
	return b
}

// StaticSelect is a select input of at most MaxSelectOptions choices, with
// initial chosen when it is one of them.
func StaticSelect(blockID, label string, opts []Option, initial string, optional bool) *slack.InputBlock {
	if len(opts) > MaxSelectOptions {
		opts = opts[:MaxSelectOptions]
	}
	options := Options(opts)
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, Plain("Choose…", MaxPlaceholder), blockID, options...)
	for _, o := range options {
		if o.Value == initial {
			el.InitialOption = o
		}
	}
	b := slack.NewInputBlock(blockID, Plain(label, 2000), nil, el)
	b.Optional = optional
	return b
}

// Checkboxes splits options into groups of ten, Slack's limit per element;
// the first group carries blockID, the rest blockID.2, blockID.3…
func Checkboxes(blockID, label string, opts []Option, checked []string) []slack.Block {
	var blocks []slack.Block
	for i, chunk := range Chunk(opts, MaxCheckboxOptions) {
		options := Options(chunk)
		el := slack.NewCheckboxGroupsBlockElement(blockID, options...)
		for _, o := range options {
			for _, c := range checked {
				if o.Value == c {
					el.InitialOptions = append(el.InitialOptions, o)
				}
			}
		}
		id, l := blockID, label
		if i > 0 {
			id, l = fmt.Sprintf("%s.%d", blockID, i+1), label+" (more)"
		}
		b := slack.NewInputBlock(id, Plain(l, 2000), nil, el)
		b.Optional = true
		blocks = append(blocks, b)
	}
	return blocks
}

// TextArea is a multi-line plain-text input block (an address, a note)
// whose action id is its block id.
func TextArea(blockID, label, hint, initial, placeholder string, max int, optional bool) *slack.InputBlock {
	b := TextInput(blockID, label, hint, initial, placeholder, max, optional)
	b.Element.(*slack.PlainTextInputBlockElement).Multiline = true
	return b
}

// DatePicker is a date input block whose action id is its block id, on
// initial (YYYY-MM-DD) unless that is empty. Slack offers no way to clear a
// picked date, so a form whose date may be taken away needs a box for that.
func DatePicker(blockID, label, hint, initial string, optional bool) *slack.InputBlock {
	el := slack.NewDatePickerBlockElement(blockID)
	el.InitialDate = initial
	el.Placeholder = Plain("Pick a date", MaxPlaceholder)
	b := slack.NewInputBlock(blockID, Plain(label, MaxInputLabel), nil, el)
	if hint != "" {
		b.Hint = Plain(hint, MaxInputHint)
	}
	b.Optional = optional
	return b
}
