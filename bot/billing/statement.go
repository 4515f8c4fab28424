package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/statements"
)

// Client statements in Slack: /invoice statement sends the manager who
// asks the client's statement as a PDF by direct message, with a button
// that emails it to the client (internal/statements).

// ActionStatementEmail emails a statement to its client; value
// "<client id>:<date>".
const ActionStatementEmail = "statement.email"

// statement is /invoice statement <client>.
func (h handlers) statement(ctx context.Context, r *slackapp.Request) error {
	text := strings.TrimSpace(r.Text)
	if text == "" {
		return atlas.Errorf(atlas.EInvalid, "Say whose statement: `/invoice statement <client>`, such as `/invoice statement acme`.")
	}
	e, err := h.Practice.LookupEntity(ctx, r.Practice.ID, text)
	if err != nil {
		return err
	}
	asOf := r.Practice.Today(r.Now())
	s, err := statements.Build(ctx, h.Billing.DB, r.Practice.ID, e.ID, asOf)
	if err != nil {
		return err
	}
	if err := db.InTx(ctx, h.Billing.DB, func(tx pgx.Tx) error {
		return statements.QueueToSlack(ctx, tx, r.Practice.ID, e.ID, asOf, r.UserID, statements.NewKey())
	}); err != nil {
		return err
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":page_facing_up: The statement of %s at %s is on its way to you by DM: %s.",
		blockkit.Escape(e.Label()), asOf.Format("2 Jan 2006"), owedText(s.Owed.String(), s.Overdue.String(), s.Currency))))
}

// owedText is "£1,394.40 owed, £240.00 of it overdue", or "£200.00 in
// credit" for a client who has paid more than they owe.
func owedText(owed, overdue, cur string) string {
	if strings.HasPrefix(owed, "-") {
		return money.FormatString(strings.TrimPrefix(owed, "-"), cur) + " in credit"
	}
	if owed == "0" {
		return "nothing owed"
	}
	s := money.FormatString(owed, cur) + " owed"
	if overdue != "0" {
		s += ", " + money.FormatString(overdue, cur) + " of it overdue"
	}
	return s
}

// statementSubject reads a statement message's client and date.
func statementSubject(p outbox.Post) (clientID int64, asOf time.Time, key string, err error) {
	_, asOf, key, ok := statements.ParsePurpose(p.Subject.Purpose)
	if !ok || p.Subject.Type != "client" {
		return 0, asOf, "", fmt.Errorf("statement: subject %+v", p.Subject)
	}
	return p.Subject.ID, asOf, key, nil
}

// renderStatementPDF draws the statement for the DM.
func (h handlers) renderStatementPDF(ctx context.Context, p outbox.Post) (slackapp.File, error) {
	pid := atlas.PracticeID(p.Practice)
	client, asOf, _, err := statementSubject(p)
	if err != nil {
		return slackapp.File{}, err
	}
	s, err := statements.Build(ctx, h.Billing.DB, pid, client, asOf)
	if err != nil {
		return slackapp.File{}, err
	}
	data, name, err := statements.PDF(ctx, h.Billing.DB, pid, client, asOf)
	if err != nil {
		return slackapp.File{}, err
	}
	return slackapp.File{Name: name, Title: "Statement · " + s.Client.Name + " · " + asOf.Format("2 Jan 2006"), Data: data,
		Comment: fmt.Sprintf("Statement of account of %s at %s: %s.", s.Client.Name, asOf.Format("2 Jan 2006"),
			owedText(s.Owed.String(), s.Overdue.String(), s.Currency))}, nil
}

// renderStatementOffer draws the message beside the statement: Email to
// client.
func (h handlers) renderStatementOffer(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	client, asOf, _, err := statementSubject(p)
	if err != nil {
		return slackapp.Message{}, err
	}
	e, err := h.Practice.Entity(ctx, atlas.PracticeID(p.Practice), client)
	if err != nil {
		return slackapp.Message{}, err
	}
	to := "its billing email, which it has not given yet (`/atlas clients edit " + blockkit.Escape(e.Code) + "`)"
	if e.BillingEmail != "" {
		to = blockkit.Escape(e.BillingEmail)
	}
	text := fmt.Sprintf("The statement of *%s* at %s, above. Email it to the client: to %s.", blockkit.Escape(e.Label()), asOf.Format("2 Jan 2006"), to)
	button := slack.NewButtonBlockElement(ActionStatementEmail, fmt.Sprintf("%d:%s", client, asOf.Format(time.DateOnly)),
		blockkit.Plain("Email to client", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)
	return slackapp.Message{Text: "Statement of " + e.Label(), Blocks: []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil),
		slack.NewActionBlock("statement.actions", button)}}, nil
}

// emailStatement is Email to client.
func (h handlers) emailStatement(ctx context.Context, r *slackapp.Request) error {
	idText, dateText, _ := strings.Cut(r.Action.Value, ":")
	client, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date: ask for the statement again with `/invoice statement <client>`.")
	}
	asOf, err := time.Parse(time.DateOnly, dateText)
	if err != nil {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date: ask for the statement again with `/invoice statement <client>`.")
	}
	var to string
	if err := db.InTx(ctx, h.Billing.DB, func(tx pgx.Tx) error {
		var err error
		to, err = statements.QueueEmail(ctx, tx, r.Practice.ID, client, asOf, r.Member.ID)
		return err
	}); err != nil {
		return err
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":email: Emailing the statement at %s to %s, with its PDF.", asOf.Format("2 Jan 2006"), blockkit.Escape(to))))
}

// renderStatementFailed draws the DM when a statement's email did not go.
func (h handlers) renderStatementFailed(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	client, asOf, key, err := statementSubject(p)
	if err != nil {
		return slackapp.Message{}, err
	}
	reason, to, err := statements.FailureOf(ctx, h.Billing.DB, atlas.PracticeID(p.Practice), client, key)
	if err != nil {
		return slackapp.Message{}, err
	}
	text := fmt.Sprintf(":warning: The statement at %s did not go to %s. The mail server said:\n> %s", asOf.Format("2 Jan 2006"),
		blockkit.Escape(cmpOr(to, "the client")), blockkit.Escape(cmpOr(reason, "nothing more")))
	return slackapp.Message{Text: "A statement did not go to its client", Blocks: []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil)}}, nil
}
