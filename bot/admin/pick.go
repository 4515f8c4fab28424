package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// ActionPickClient prefixes the buttons offered when a client name is
// ambiguous; each runs the command again with one client's code.
const ActionPickClient = "pick.client."

// rerunArgs is a command to run again, carried in a button's value.
type rerunArgs struct {
	Command string `json:"c"`
	Text    string `json:"t"`
}

// answerAmbiguous is the kernel's answer to a command whose client name
// matched several clients: a button per client.
func answerAmbiguous(r *slackapp.Request, err error) (slackapp.Message, bool) {
	var amb *practice.AmbiguousError
	if !errors.As(err, &amb) {
		return slackapp.Message{}, false
	}
	return pickClient(r, amb), true
}

// pickClient answers an ambiguous client name with a button per match.
func pickClient(r *slackapp.Request, amb *practice.AmbiguousError) slackapp.Message {
	full := r.Text
	if sub := strings.TrimSpace(strings.TrimPrefix(r.RouteKey, r.Command)); sub != "" {
		full = sub + " " + r.Text
	}
	var buttons []slack.BlockElement
	for i, m := range amb.Matches {
		if i == blockkit.MaxActionsElements {
			break
		}
		full := strings.Join(strings.Fields(full), " ")
		line := replaceTyped(full, amb.Text, m.Code)
		if typed, ok := amb.Typed[m.ID]; ok {
			// A line read word by word: the code in quotes, so that it is
			// read as the client's name and the words after it as the rest.
			line = replaceTyped(full, typed, `"`+m.Code+`"`)
		}
		v, _ := json.Marshal(rerunArgs{Command: r.Command, Text: line})
		if len(v) > blockkit.MaxButtonValue {
			continue
		}
		buttons = append(buttons, slack.NewButtonBlockElement(ActionPickClient+strconv.Itoa(i), string(v),
			blockkit.Plain(m.Code+" · "+m.Name, blockkit.MaxButtonText)))
	}
	text := fmt.Sprintf("“%s” matches %d clients. Which one did you mean?", amb.Text, len(amb.Matches))
	return slackapp.Message{Text: text, Blocks: []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(blockkit.Escape(text), 0), nil, nil),
		slack.NewActionBlock("pick.client", buttons...),
		slack.NewContextBlock("", blockkit.Markdown("Next time, type the client's code to skip this question.", 0)),
	}}
}

// replaceTyped puts code in place of the first field (or quoted phrase)
// equal to typed.
func replaceTyped(text, typed, code string) string {
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"”", "”"}, {"“", "“"}} {
		if quoted := q[0] + typed + q[1]; strings.Contains(text, quoted) {
			return strings.Replace(text, quoted, code, 1)
		}
	}
	fields := strings.Fields(text)
	for i, f := range fields {
		if f == typed {
			fields[i] = code
			return strings.Join(fields, " ")
		}
	}
	// Several words, as /atlas rates and /atlas clients take them.
	return strings.Replace(text, typed, code, 1)
}

// pickedClient runs the command again with the chosen client.
func (h handlers) pickedClient(_ context.Context, r *slackapp.Request) error {
	var args rerunArgs
	if r.Action == nil || json.Unmarshal([]byte(r.Action.Value), &args) != nil || args.Command == "" {
		return atlas.Errorf(atlas.EInvalid, "That choice has expired. Run the command again with the client's code.")
	}
	key := ""
	if r.Interaction != nil {
		key = "pick:" + r.Interaction.Container.MessageTs
		if r.Interaction.Container.MessageTs == "" {
			key = "pick:" + r.Interaction.ActionTs
		}
	}
	r.Rerun(args.Command, args.Text, key)
	return nil
}
