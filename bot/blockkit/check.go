package blockkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Violation is one broken Slack limit.
type Violation struct {
	// Path locates the offending value in the JSON Slack receives, e.g.
	// "blocks[3].elements[0].text". It is the path of the text object, not
	// of its inner "text" string, because that is the thing view code builds.
	Path string
	// Problem says what is wrong, e.g. "80 characters, limit 75".
	Problem string
}

// Error implements error so a single Violation can be matched with
// errors.As out of a Violations list.
func (v Violation) Error() string { return v.Path + ": " + v.Problem }

// Violations is the error returned by the Check functions. It lists every
// violation found, in document order, rather than stopping at the first:
// fixing a view one Slack round trip (or one test run) at a time is slow.
type Violations []Violation

func (vs Violations) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "blockkit: %d Slack limit violation", len(vs))
	if len(vs) != 1 {
		b.WriteByte('s')
	}
	for _, v := range vs {
		b.WriteString("\n\t")
		b.WriteString(v.Error())
	}
	return b.String()
}

// Unwrap exposes each Violation to errors.Is and errors.As, like
// errors.Join does.
func (vs Violations) Unwrap() []error {
	errs := make([]error, len(vs))
	for i, v := range vs {
		errs[i] = v
	}
	return errs
}

// CheckMessage reports every Slack limit the blocks of a chat message
// break. It returns nil or a Violations error.
func CheckMessage(blocks []slack.Block) error {
	doc, err := generic(blocks)
	if err != nil {
		return err
	}
	var w walker
	w.blocks("blocks", doc, MaxMessageBlocks)
	return w.result()
}

// CheckModal reports every Slack limit a modal view breaks, including the
// view-level ones (title, submit, close, private_metadata, callback_id, and
// submit being required once the view has an input block). It returns nil
// or a Violations error.
func CheckModal(v slack.ModalViewRequest) error {
	doc, err := generic(v)
	if err != nil {
		return err
	}
	m, _ := doc.(map[string]any)
	var w walker
	w.viewType(m, slack.VTModal)
	w.require("", m, "title")
	w.value("title", "title", m["title"], textRule{max: MaxModalTitle, plain: true})
	w.value("submit", "submit", m["submit"], textRule{max: MaxModalButton, plain: true})
	w.value("close", "close", m["close"], textRule{max: MaxModalButton, plain: true})
	if m["submit"] == nil && hasInputBlock(m["blocks"]) {
		// views.open fails without it, and the error does not say why.
		w.add("submit", "missing; Slack requires submit when a modal contains input blocks")
	}
	w.maxLen("", m, "private_metadata", MaxPrivateMetadata)
	w.maxLen("", m, "callback_id", MaxCallbackID)
	w.blocks("blocks", m["blocks"], MaxViewBlocks)
	return w.result()
}

// CheckHome reports every Slack limit a Home tab view breaks. It returns nil
// or a Violations error.
func CheckHome(v slack.HomeTabViewRequest) error {
	doc, err := generic(v)
	if err != nil {
		return err
	}
	m, _ := doc.(map[string]any)
	var w walker
	w.viewType(m, slack.VTHomeTab)
	w.maxLen("", m, "private_metadata", MaxPrivateMetadata)
	w.maxLen("", m, "callback_id", MaxCallbackID)
	w.blocks("blocks", m["blocks"], MaxViewBlocks)
	return w.result()
}

// generic marshals v the way slack-go sends it and decodes it back into
// maps and slices, so the walker sees exactly the wire format whatever Go
// type produced it. UseNumber keeps integers such as max_length exact.
func generic(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("blockkit: marshal: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("blockkit: decode: %w", err)
	}
	return doc, nil
}

func hasInputBlock(blocks any) bool {
	arr, _ := blocks.([]any)
	for _, b := range arr {
		if m, ok := b.(map[string]any); ok && m["type"] == "input" {
			return true
		}
	}
	return false
}

// textRule is the limit that applies to a text object in a given position.
// The parent decides it, because the same {"type":"plain_text"} object may
// hold 75 characters on a button and 3000 in a section.
type textRule struct {
	max   int  // 0 means MaxTextObject
	plain bool // Slack rejects mrkdwn in this position
}

type walker struct {
	vs Violations
}

func (w *walker) result() error {
	if len(w.vs) == 0 {
		return nil // not a typed nil Violations
	}
	return w.vs
}

func (w *walker) add(path, format string, args ...any) {
	w.vs = append(w.vs, Violation{Path: path, Problem: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

func (w *walker) viewType(m map[string]any, want slack.ViewType) {
	got, _ := m["type"].(string)
	switch {
	case got == "":
		w.add("type", "missing; must be %q", want)
	case got != string(want):
		w.add("type", "%q, must be %q", got, want)
	}
}

func (w *walker) blocks(path string, v any, max int) {
	if v == nil {
		return
	}
	arr, ok := v.([]any)
	if !ok {
		w.add(path, "not an array")
		return
	}
	if len(arr) > max {
		w.add(path, "%d blocks, limit %d", len(arr), max)
	}
	for i, b := range arr {
		if b == nil {
			w.add(index(path, i), "null block")
			continue
		}
		w.value(index(path, i), "blocks", b, textRule{})
	}
}

// value walks any JSON value. key is the object key the value (or the
// array holding it) sits under; it identifies composition objects such as
// options, which carry no "type". rule applies if v is a text object, or to
// each item if v is an array of text objects.
func (w *walker) value(path, key string, v any, rule textRule) {
	switch x := v.(type) {
	case map[string]any:
		w.object(path, key, x, rule)
	case []any:
		for i, item := range x {
			w.value(index(path, i), key, item, rule)
		}
	}
}

func (w *walker) object(path, key string, m map[string]any, rule textRule) {
	typ, _ := m["type"].(string)
	if typ == "plain_text" || typ == "mrkdwn" {
		w.text(path, m, rule)
		return
	}

	// Rules for text objects held directly by this object, by key. Keys not
	// listed get the generic text object limit.
	rules := map[string]textRule{
		"placeholder": {max: MaxPlaceholder, plain: true},
	}
	w.maxLen(path, m, "block_id", MaxBlockID)
	w.maxLen(path, m, "action_id", MaxActionID)

	switch typ {
	// Blocks.
	case "section":
		rules["text"] = textRule{max: MaxSectionText}
		rules["fields"] = textRule{max: MaxSectionFieldText}
		n := w.count(path, m, "fields", 0, MaxSectionFields, "fields")
		if m["text"] == nil && n == 0 {
			w.add(join(path, "text"), "missing; a section needs text or at least one field")
		}
	case "header":
		rules["text"] = textRule{max: MaxHeaderText, plain: true}
		w.require(path, m, "text")
	case "context":
		w.count(path, m, "elements", 1, MaxContextElements, "elements")
	case "actions":
		w.count(path, m, "elements", 1, MaxActionsElements, "elements")
	case "input":
		rules["label"] = textRule{max: MaxInputLabel, plain: true}
		rules["hint"] = textRule{max: MaxInputHint, plain: true}
		w.require(path, m, "label")
		w.require(path, m, "element")
	case "image": // the image block and the image element share these fields
		rules["title"] = textRule{max: MaxImageTitle, plain: true}
		w.nonEmpty(path, m, "alt_text")
		w.maxLen(path, m, "alt_text", MaxImageAltText)
		w.maxLen(path, m, "image_url", MaxImageURL)
	case "markdown":
		w.nonEmpty(path, m, "text")
		w.maxLen(path, m, "text", MaxMarkdownBlockText)

	// Elements.
	case "button":
		rules["text"] = textRule{max: MaxButtonText, plain: true}
		w.require(path, m, "text")
		w.maxLen(path, m, "value", MaxButtonValue)
		w.maxLen(path, m, "url", MaxButtonURL)
		w.maxLen(path, m, "accessibility_label", MaxButtonAccessibilityLabel)
	case "static_select", "multi_static_select":
		n := w.count(path, m, "options", 0, MaxSelectOptions, "options")
		g := w.count(path, m, "option_groups", 0, MaxSelectOptionGroups, "option groups")
		if n == 0 && g == 0 {
			w.add(join(path, "options"), "missing; a static select needs options or option_groups")
		}
	case "checkboxes":
		w.count(path, m, "options", 1, MaxCheckboxOptions, "options")
	case "radio_buttons":
		w.count(path, m, "options", 1, MaxRadioOptions, "options")
	case "overflow":
		w.count(path, m, "options", MinOverflowOptions, MaxOverflowOptions, "options")
	case "plain_text_input":
		w.intRange(path, m, "min_length", 0, MaxPlainTextInputLength)
		w.intRange(path, m, "max_length", 1, MaxPlainTextInputLength)
		lo, okLo := intField(m, "min_length")
		hi, okHi := intField(m, "max_length")
		if okLo && okHi && lo > hi {
			w.add(join(path, "min_length"), "%d, greater than max_length %d", lo, hi)
		}

	// Composition objects have no "type"; where they sit tells what they are.
	case "":
		switch key {
		case "options", "initial_options", "initial_option":
			rules["text"] = textRule{max: MaxOptionText}
			rules["description"] = textRule{max: MaxOptionDescription}
			w.require(path, m, "text")
			w.maxLen(path, m, "value", MaxOptionValue)
			w.maxLen(path, m, "url", MaxOptionURL)
		case "option_groups":
			rules["label"] = textRule{max: MaxOptionGroupLabel, plain: true}
			w.require(path, m, "label")
			w.count(path, m, "options", 1, MaxOptionGroupOptions, "options")
		case "confirm":
			rules["title"] = textRule{max: MaxConfirmTitle, plain: true}
			rules["text"] = textRule{max: MaxConfirmText}
			rules["confirm"] = textRule{max: MaxConfirmButton, plain: true}
			rules["deny"] = textRule{max: MaxConfirmButton, plain: true}
		}
	}

	// Sorted so violations come out in the same order on every run; golden
	// tests and log diffs depend on it.
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "type" {
			continue
		}
		w.value(join(path, k), k, m[k], rules[k])
	}
}

// text checks a text object against the rule its parent chose.
func (w *walker) text(path string, m map[string]any, rule textRule) {
	max := rule.max
	if max == 0 {
		max = MaxTextObject
	}
	if typ := m["type"]; rule.plain && typ != "plain_text" {
		w.add(path, "type %q, Slack accepts only plain_text here", typ)
	}
	s, _ := m["text"].(string)
	switch n := utf8.RuneCountInString(s); {
	case n < MinTextObject:
		w.add(path, "empty text; Slack requires at least %d character", MinTextObject)
	case n > max:
		w.add(path, "%d characters, limit %d", n, max)
	}
}

// require reports key as missing when it is absent or null, which is how
// slack-go marshals a nil *TextBlockObject on fields without omitempty.
func (w *walker) require(path string, m map[string]any, key string) {
	if m[key] == nil {
		w.add(join(path, key), "missing; Slack requires it")
	}
}

func (w *walker) nonEmpty(path string, m map[string]any, key string) {
	if s, _ := m[key].(string); s == "" {
		w.add(join(path, key), "empty; Slack requires it")
	}
}

func (w *walker) maxLen(path string, m map[string]any, key string, max int) {
	s, ok := m[key].(string)
	if !ok {
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		w.add(join(path, key), "%d characters, limit %d", n, max)
	}
}

// count checks the length of the array at key and returns it. min > 0 also
// rejects a missing or null array, since Slack treats those fields as
// required.
func (w *walker) count(path string, m map[string]any, key string, min, max int, noun string) int {
	arr, _ := m[key].([]any)
	n := len(arr)
	switch {
	case n < min:
		w.add(join(path, key), "%d %s, minimum %d", n, noun, min)
	case n > max:
		w.add(join(path, key), "%d %s, limit %d", n, noun, max)
	}
	return n
}

func (w *walker) intRange(path string, m map[string]any, key string, min, max int64) {
	num, ok := m[key].(json.Number)
	if !ok {
		return
	}
	if n, ok := intField(m, key); !ok || n < min || n > max {
		w.add(join(path, key), "%s, must be between %d and %d", num, min, max)
	}
}

// intField reads an integer decoded with UseNumber; ok is false when the
// key is absent or not an integer.
func intField(m map[string]any, key string) (int64, bool) {
	num, ok := m[key].(json.Number)
	if !ok {
		return 0, false
	}
	n, err := num.Int64()
	return n, err == nil
}
