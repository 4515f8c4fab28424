// Package blockkit keeps Atlas's Slack Block Kit payloads inside the limits
// Slack enforces, so that a long client name, a big list of overdue
// invoices or a chatty error message degrades into a truncated or paginated
// view instead of an invalid_blocks / invalid_arguments error that the user
// only sees as "nothing happened".
//
// It has three parts:
//
//   - A limits checker (CheckMessage, CheckModal, CheckHome). It marshals the
//     slack-go value and walks the generic JSON that Slack would receive, not
//     the Go structs. That way every block and element type is covered,
//     including types slack-go added after this package was written and
//     blocks built by hand with slack.BlockFromJSON, and what is checked is
//     exactly what goes over the wire (omitempty, custom MarshalJSON and
//     all). Every violation is reported, each with a JSON path such as
//     "blocks[3].elements[0].text: 80 characters, limit 75", so one failing
//     test shows the whole problem at once.
//
//   - Small safe builders (Truncate, Plain, Markdown, Paginate, PageItems,
//     Chunk) for view code. They make the limits hard to hit in the first
//     place: text is cut at rune boundaries with an ellipsis, empty text is
//     replaced, and long lists are split into pages with "+N more" hints.
//
//   - The limits themselves as named constants (limits.go), each with the
//     Slack documentation page it came from.
//
// Golden-file testing of views lives in the blockkittest subpackage, which
// runs the same checks on every golden.
//
// Lengths are counted in Unicode code points (runes), not bytes: Slack's
// documented limits are in characters, and counting bytes would reject
// perfectly valid text with accented names or emoji three or four times
// too early.
package blockkit
