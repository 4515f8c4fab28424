package bot

import (
	"context"

	"github.com/atlas-practice/atlas/bot/views"
)

// help lists the commands the caller may use.
func help(_ context.Context, r *Request) error {
	rt := r.router
	var entries []views.HelpEntry
	for _, c := range rt.Commands() {
		if c.Sub == "" && c.Name == "/atlas" {
			continue // "/atlas" alone is help itself
		}
		if c.Min != "" && (r.Member == nil || !r.Member.Can(c.Min)) {
			continue
		}
		entries = append(entries, views.HelpEntry{Usage: c.Usage, Summary: c.Summary, Examples: c.Examples})
	}
	role := ""
	if r.Member != nil {
		role = r.Member.Role.Title()
	}
	return r.Reply(Message{Text: views.HelpText(entries), Blocks: views.Help(entries, role)})
}
