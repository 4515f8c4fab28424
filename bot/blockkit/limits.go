package blockkit

// Limits enforced by Slack, in characters (runes) for lengths and in items
// for counts. The comment on each group names the docs.slack.dev reference
// page the numbers come from, so that when Slack changes a limit the
// constant and its source can be updated together.
//
// Where an older api.slack.com page disagreed with the current docs, the
// current docs win; the differences are noted next to the constant.

// Surfaces: https://docs.slack.dev/reference/views/modal-views and
// https://docs.slack.dev/reference/views/home-tab-views. The 50-block message
// limit is in Slack's published Block Kit JSON schema for message blocks
// (maxItems 50); chat.postMessage rejects longer arrays.
const (
	MaxMessageBlocks   = 50   // blocks in one message
	MaxViewBlocks      = 100  // blocks in a modal or Home tab view
	MaxModalTitle      = 24   // modal title text
	MaxModalButton     = 24   // modal submit and close text
	MaxPrivateMetadata = 3000 // view private_metadata
	MaxCallbackID      = 255  // view callback_id
)

// Identifiers, from every block and element reference page.
const (
	MaxBlockID  = 255 // block_id on any block
	MaxActionID = 255 // action_id on any element
)

// Text object: https://docs.slack.dev/reference/block-kit/composition-objects/text-object
// ("The minimum length is 1 and maximum length is 3000 characters").
const (
	MinTextObject = 1    // Slack rejects empty text objects
	MaxTextObject = 3000 // any text object without a tighter limit
)

// Blocks.
const (
	// https://docs.slack.dev/reference/block-kit/blocks/section-block
	MaxSectionText      = 3000
	MaxSectionFields    = 10
	MaxSectionFieldText = 2000

	// https://docs.slack.dev/reference/block-kit/blocks/header-block
	MaxHeaderText = 150

	// https://docs.slack.dev/reference/block-kit/blocks/context-block
	MaxContextElements = 10

	// https://docs.slack.dev/reference/block-kit/blocks/actions-block
	MaxActionsElements = 25

	// https://docs.slack.dev/reference/block-kit/blocks/input-block
	MaxInputLabel = 2000
	MaxInputHint  = 2000

	// https://docs.slack.dev/reference/block-kit/blocks/image-block
	// The image element page no longer states an alt_text maximum; the
	// block's 2000 is applied to both, since they share the field.
	MaxImageAltText = 2000
	MaxImageTitle   = 2000
	MaxImageURL     = 3000

	// https://docs.slack.dev/reference/block-kit/blocks/markdown-block
	MaxMarkdownBlockText = 12000
)

// Elements.
const (
	// https://docs.slack.dev/reference/block-kit/block-elements/button-element
	MaxButtonText               = 75
	MaxButtonValue              = 2000
	MaxButtonURL                = 3000
	MaxButtonAccessibilityLabel = 75

	// https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
	// (static_select; multi_static_select has the same limits).
	MaxSelectOptions      = 100
	MaxSelectOptionGroups = 100

	// https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element
	MaxCheckboxOptions = 10
	// https://docs.slack.dev/reference/block-kit/block-elements/radio-button-group-element
	MaxRadioOptions = 10

	// https://docs.slack.dev/reference/block-kit/block-elements/overflow-menu-element
	// says "an array of up to five option objects" and marks options as
	// required. (The retired api.slack.com page said minimum 2; the current
	// page states no minimum beyond "required", so 1 is accepted.)
	MinOverflowOptions = 1
	MaxOverflowOptions = 5

	// Placeholder text on selects and inputs, e.g.
	// https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
	MaxPlaceholder = 150

	// https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
	// ("Acceptable values ... between 1 and 3000" for max_length, 0..3000 for
	// min_length).
	MaxPlainTextInputLength = 3000
)

// Composition objects.
const (
	// https://docs.slack.dev/reference/block-kit/composition-objects/option-object
	// (value was 75 on the retired api.slack.com page; the current page says 150).
	MaxOptionText        = 75
	MaxOptionValue       = 150
	MaxOptionDescription = 75
	MaxOptionURL         = 3000

	// https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object
	MaxOptionGroupLabel   = 75
	MaxOptionGroupOptions = 100

	// https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
	MaxConfirmTitle  = 100
	MaxConfirmText   = 300
	MaxConfirmButton = 30 // confirm and deny button text
)
