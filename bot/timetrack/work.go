package timetrack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// today is the practice's calendar date now.
func today(r *slackapp.Request) time.Time { return r.Practice.Today(r.Now()) }

// actor is the caller as the time store checks them.
func actor(r *slackapp.Request) timesheet.Actor {
	return timesheet.Actor{ID: r.Member.ID, Role: r.Member.Role}
}

func serviceOptions(list []practice.Service) []blockkit.Option {
	out := make([]blockkit.Option, 0, len(list))
	for _, s := range list {
		out = append(out, blockkit.Option{Value: ui.ID(s.ID), Label: s.Name})
	}
	return out
}

// work is what a /log or /timer start line names once read: the client,
// the service and what to say about how they were read.
type work struct {
	entity  int64
	service *int64
	// name is the service's name; note says how it was chosen when the
	// line did not name it as it is ("the practice's default service").
	name, note string
}

// readLine reads a /log line (log) or a /timer start line against the
// practice's clients and services.
func (h handlers) readLine(ctx context.Context, r *slackapp.Request, text string, log bool) (reading, error) {
	list, err := h.services(ctx, r.Practice.ID)
	if err != nil {
		return reading{}, err
	}
	return h.readLineWith(ctx, r, text, log, list)
}

// readLineWith is readLine against services already listed.
func (h handlers) readLineWith(ctx context.Context, r *slackapp.Request, text string, log bool, list []practice.Service) (rd reading, err error) {
	clients := practice.LineClients{Ctx: ctx, Store: h.Practice, Practice: r.Practice.ID, Archived: map[int64]bool{}}
	rd = reading{services: list, archived: clients.Archived}
	if log {
		rd.Reading, err = timeparse.ReadLog(text, today(r), clients, lineServices(list))
	} else {
		rd.Reading, err = timeparse.ReadTimerStart(text, clients, lineServices(list))
	}
	return rd, err
}

// lineServices are the practice's services as the line reader takes them.
func lineServices(list []practice.Service) []timeparse.Service {
	services := make([]timeparse.Service, 0, len(list))
	for _, s := range list {
		services = append(services, timeparse.Service{ID: s.ID, Code: s.Code, Name: s.Name})
	}
	return services
}

// oneRun stands in for the practice's clients when a /log line is read
// before its client is looked up. A line whose client can only be one run
// of words reads the same whichever single client that run names: the
// service, the date and the note are in the words after it. So the line is
// read once with a stand-in client, and the run goes to the database with
// the entry, which is saved only if the run names one client for certain
// (timesheet.LogNamedClient). A line with several runs to weigh
// ("acme trading ltd …") is read the long way.
type oneRun struct{ words string }

// errSeveralRuns stops the reading of a line whose client could be any of
// several runs of words.
var errSeveralRuns = errors.New("the client could be several runs of words")

func (o *oneRun) Runs(runs []string) ([][]timeparse.ClientMatch, error) {
	if len(runs) != 1 {
		return nil, errSeveralRuns
	}
	o.words = runs[0]
	return [][]timeparse.ClientMatch{{{ID: standInClient, Exact: true}}}, nil
}

// standInClient is the id oneRun answers with; no client has it.
const standInClient = -1

// reading is a line as read, with what it was read against.
type reading struct {
	timeparse.Reading
	services []practice.Service
	archived map[int64]bool
}

// resolve turns a reading into the client and service to save, or the
// question to ask: which client, which service. Nothing is saved while a
// question is open.
func (h handlers) resolve(ctx context.Context, r *slackapp.Request, rd reading) (work, error) {
	list := rd.services
	pid := r.Practice.ID
	if len(rd.AskClient) > 0 {
		ids := make([]int64, 0, len(rd.AskClient))
		typed := map[int64]string{}
		for _, o := range rd.AskClient {
			ids = append(ids, o.ID)
			typed[o.ID] = o.Typed
		}
		matches, err := h.Practice.EntitiesByID(ctx, pid, ids)
		if err != nil {
			return work{}, err
		}
		return work{}, practice.Ambiguous(rd.AskClient[0].Typed, matches, typed)
	}
	if rd.archived[rd.ClientID] {
		e, err := h.Practice.Entity(ctx, pid, rd.ClientID)
		if err != nil {
			return work{}, err
		}
		if _, err := practice.RefuseArchived(e); err != nil {
			return work{}, err
		}
	}
	w := work{entity: rd.ClientID}
	switch {
	case len(rd.AskService) > 0:
		q := &serviceQuestion{typed: rd.ServiceTyped, line: rd.Reading}
		for _, s := range rd.AskService {
			q.choices = append(q.choices, practice.Service{ID: s.ID, Code: s.Code, Name: s.Name})
		}
		return work{}, q.err()
	case rd.Service != nil:
		w.service, w.name = &rd.Service.ID, rd.Service.Name
		if rd.ServiceGuessed() {
			w.note = fmt.Sprintf("“%s” read as the service *%s*.", blockkit.Escape(rd.ServiceTyped), blockkit.Escape(rd.Service.Name))
		}
	case r.Practice.DefaultServiceID != nil:
		for _, s := range list {
			if s.ID == *r.Practice.DefaultServiceID {
				w.service, w.name = &s.ID, s.Name
				w.note = fmt.Sprintf("No service named, so it went to *%s*, the practice's default service.", blockkit.Escape(s.Name))
			}
		}
	}
	if w.service == nil && len(list) > 0 {
		// Billing needs every billable entry to have a service: ask.
		return work{}, (&serviceQuestion{choices: list, none: true, line: rd.Reading}).err()
	}
	return w, nil
}

// serviceQuestion is the answer when a line's service is uncertain: it
// names two, misspells one close to several, or names none and the
// practice has no default. The person picks, and the command runs again.
type serviceQuestion struct {
	typed   string
	choices []practice.Service
	none    bool // the line named no service at all
	// line is the line as read; each choice runs it again with that
	// service in place of the words that left it uncertain.
	line timeparse.Reading
}

func (q *serviceQuestion) Error() string {
	return fmt.Sprintf("which service (%d choices)", len(q.choices))
}

// err is the question as the error a handler returns: invalid input, which
// the kernel answers with the question's buttons (answerServiceQuestion).
func (q *serviceQuestion) err() error {
	return atlas.Wrap(q, atlas.EInvalid, "Which service was this for? Put its code in the line, such as `payroll`.")
}

// ActionPickService prefixes the buttons that answer a serviceQuestion;
// each runs the command again with one service's code added.
const ActionPickService = "pick.service."

// answerServiceQuestion is the kernel's answer to a serviceQuestion: a
// button per service.
func answerServiceQuestion(r *slackapp.Request, err error) (slackapp.Message, bool) {
	var q *serviceQuestion
	if !errors.As(err, &q) {
		return slackapp.Message{}, false
	}
	text := "Which service was this for? Every billable entry needs one."
	if q.typed != "" {
		text = fmt.Sprintf("Which service did you mean by “%s”?", q.typed)
	} else if !q.none {
		text = "The line names more than one service. Which was it for?"
	}
	sub := strings.TrimSpace(strings.TrimPrefix(r.RouteKey, r.Command))
	var buttons []slack.BlockElement
	for i, s := range q.choices {
		line := q.line.WithService(s.Code)
		if sub != "" {
			line = sub + " " + line
		}
		v, _ := json.Marshal(rerunArgs{Command: r.Command, Text: line})
		if len(v) > blockkit.MaxButtonValue {
			continue
		}
		buttons = append(buttons, slack.NewButtonBlockElement(ActionPickService+strconv.Itoa(i), string(v),
			blockkit.Plain(s.Name, blockkit.MaxButtonText)))
	}
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown(blockkit.Escape(text), 0), nil, nil)}
	for _, chunk := range blockkit.Chunk(buttons, blockkit.MaxActionsElements) {
		blocks = append(blocks, slack.NewActionBlock("", chunk...))
		if len(blocks) == blockkit.MaxMessageBlocks-1 {
			break
		}
	}
	blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(
		"Nothing is saved until you pick. Next time, put the service's code in the line, such as `/log 1h acme payroll`; admins can set a default service in `/atlas settings`.", 0)))
	return slackapp.Message{Text: text, Blocks: blocks}, true
}

// rerunArgs is a command to run again, carried in a button's value.
type rerunArgs struct {
	Command string `json:"c"`
	Text    string `json:"t"`
}

// pickedService runs the command again with the service picked.
func (h handlers) pickedService(_ context.Context, r *slackapp.Request) error {
	var args rerunArgs
	if r.Action == nil || json.Unmarshal([]byte(r.Action.Value), &args) != nil || args.Command == "" {
		return atlas.Errorf(atlas.EInvalid, "That choice has expired. Run the command again with the service's code.")
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
