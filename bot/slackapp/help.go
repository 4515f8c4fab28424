package slackapp

import (
	"context"
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// ActionHelp is the App Home's "Show commands" button.
const ActionHelp = "help.show"

// registerHelp adds /atlas help, /atlas alone and the Show commands button:
// help is drawn from the route table, so it is the kernel's, and lists for
// each person only what their role lets them use.
func (rt *Router) registerHelp() {
	rt.HandleCommand(Command{Name: "/atlas", Sub: "help", Usage: "/atlas help",
		Summary: "This list of commands.", Route: Anyone(rt.help)})
	rt.HandleCommand(Command{Name: "/atlas", Usage: "/atlas", Hidden: true,
		Summary: "The same as `/atlas help`.", Route: Anyone(rt.help)})
	rt.HandleAction(ActionHelp, Anyone(rt.help))
}

// help lists the commands the caller may use, by area. `/atlas` followed
// by words no subcommand matches is answered as unknown, with the nearest
// command.
func (rt *Router) help(ctx context.Context, r *Request) error {
	if r.Kind == KindCommand && r.RouteKey == "/atlas" && strings.TrimSpace(r.Text) != "" {
		return atlas.Errorf(atlas.EInvalid, "%s", rt.unknownCommand(r.Command, r.Text, r.Member))
	}
	words, err := rt.exampleWords(ctx, r)
	if err != nil {
		return err
	}
	entries := rt.helpEntries(r.Member, func(Command) bool { return true }, words)
	role := ""
	if r.Member != nil {
		role = r.Member.Role.Title()
	}
	return r.Reply(Message{Text: HelpText(entries), Blocks: Help(entries, role)})
}

// commandHelp answers "help" typed after a command (`/timer help`, `/atlas
// team help`): everything that command and its subcommands do, with the
// longer explanations and every example.
func (rt *Router) commandHelp(ctx context.Context, r *Request) error {
	c := r.command
	typed := strings.TrimSpace(c.Name + " " + c.Sub)
	within := func(o Command) bool {
		return o.Name == c.Name && (c.Sub == "" || o.Sub == c.Sub || strings.HasPrefix(o.Sub, c.Sub+" "))
	}
	words, err := rt.exampleWords(ctx, r)
	if err != nil {
		return err
	}
	entries := rt.helpEntries(r.Member, within, words)
	if len(entries) == 0 {
		if msg, ok := rt.refuse(ctx, r, c.Route); !ok {
			return atlas.Errorf(atlas.EForbidden, "%s", strings.TrimPrefix(msg, ":no_entry: "))
		}
		return atlas.Errorf(atlas.ENotFound, "There is no help for `%s`. `/atlas help` lists every command.", typed)
	}
	return r.Reply(Message{Text: HelpText(entries), Blocks: CommandHelp(typed, entries)})
}

// exampleWords are the practice's own client and service codes, for
// examples; made-up ones when it has none yet.
func (rt *Router) exampleWords(ctx context.Context, r *Request) (practice.ExampleWords, error) {
	if r.Practice.ID == "" || rt.directory == nil {
		return practice.ExampleWords{}, nil
	}
	return rt.directory.ExampleWords(ctx, r.Practice.ID, r.Practice.Today(r.Now()))
}

// helpEntries are the commands m may use that pass keep, in the order they
// were registered, with examples in the practice's words; m is nil for a
// person not on the team.
func (rt *Router) helpEntries(m *practice.Member, keep func(Command) bool, words practice.ExampleWords) []HelpEntry {
	var entries []HelpEntry
	for _, c := range rt.Commands() {
		if c.Hidden || !keep(c) || !mayUse(m, c.Min) {
			continue
		}
		e := HelpEntry{Area: c.Area, Usage: c.Usage, Summary: c.Summary, Detail: c.Detail, Examples: c.Examples}
		for _, n := range c.RoleNotes {
			if mayUse(m, n.Min) {
				e.Summary += " " + n.Text
			}
		}
		if c.Others != "" && c.OthersUsage != "" && mayUse(m, c.Others) {
			e.Usage, e.Examples = c.OthersUsage, c.OthersExamples
		}
		e.Examples = fillExamples(e.Examples, words)
		entries = append(entries, e)
	}
	return entries
}

// fillExamples puts the practice's words into examples written with
// {client}, {client2}, {name} and {service}.
func fillExamples(examples []string, w practice.ExampleWords) []string {
	client, client2, name, service := "acme", "nwt", "Acme Trading", "payroll"
	if len(w.Clients) > 0 {
		client, name = w.Clients[0], w.Name
	}
	if len(w.Clients) > 1 {
		client2 = w.Clients[1]
	}
	if w.Service != "" {
		service = w.Service
	}
	r := strings.NewReplacer("{client}", client, "{client2}", client2, "{name}", name, "{service}", service)
	out := make([]string, len(examples))
	for i, ex := range examples {
		out[i] = r.Replace(ex)
	}
	return out
}

func mayUse(m *practice.Member, min atlas.Role) bool {
	if min == "" {
		return true
	}
	if m == nil {
		return false
	}
	return m.Can(min)
}

// unknownCommand answers a command no route matches, suggesting the
// nearest command the caller may use.
func (rt *Router) unknownCommand(command, text string, m *practice.Member) string {
	typed := strings.TrimSpace(command + " " + text)
	msg := fmt.Sprintf("Atlas does not know `%s`.", typed)
	if near := rt.nearestCommand(command, text, m); near != "" {
		msg += fmt.Sprintf(" Did you mean `%s`?", near)
	}
	return msg + " `/atlas help` lists every command."
}

// nearestCommand is the usage of the command whose name is closest to what
// was typed (by edit distance over its first words), or "" when nothing is
// close enough to be a likely slip.
func (rt *Router) nearestCommand(command, text string, m *practice.Member) string {
	words := strings.Fields(strings.ToLower(text))
	best, bestDist := "", 1<<30
	for _, c := range rt.Commands() {
		if c.Hidden || !mayUse(m, c.Min) {
			continue
		}
		sub := strings.Fields(strings.ToLower(c.Sub))
		if c.Name != command || len(sub) == 0 || len(words) < len(sub) {
			continue
		}
		d := levenshtein.ComputeDistance(strings.Join(sub, " "), strings.Join(words[:len(sub)], " "))
		if d < bestDist {
			best, bestDist = c.Usage, d
		}
	}
	if bestDist > 3 {
		return ""
	}
	return best
}
