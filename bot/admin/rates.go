package admin

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/practice"
)

const ratesUsage = "`/atlas rates [client] [service] [@person]`, for example `/atlas rates acme payroll @bea`; `/atlas rates set` to set or end one; `/atlas rates help` for the rules"

// rates explains the rate that applies to a combination, shows the rules
// with "help", and opens the rate form with "set" (admins and partners).
func (h handlers) rates(ctx context.Context, r *slackapp.Request) error {
	text := strings.TrimSpace(r.Text)
	store := h.Practice
	key, labels, err := parseRateArgs(ctx, store, r.Practice.ID, text)
	if err != nil {
		return err
	}
	rate, err := store.ResolveRate(ctx, r.Practice.ID, key, r.Practice.Today(r.Now()))
	if err != nil {
		return err
	}
	why, err := rateLabel(ctx, store, r.Practice.ID, rate)
	if err != nil {
		return err
	}
	for_ := "Work"
	if len(labels) > 0 {
		for_ = "Work for " + strings.Join(labels, " × ")
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("*%s/h* — %s, since %s.\n%s is charged at the %s rate (the most specific in force today). `/atlas rates help` explains the rules.",
		money.Format(rate.HourlyRate, r.Practice.Currency), why, rate.From.Format("2006-01-02"), for_, strings.ToLower(levelName(rate)))})
}

// parseRateArgs reads "[client] [service] [@person]": a mention is the
// person, a last word naming a service is the service, the rest the client.
func parseRateArgs(ctx context.Context, store practice.Store, pid atlas.PracticeID, text string) (practice.RateKey, []string, error) {
	var key practice.RateKey
	var labels []string
	var words []string
	for _, w := range strings.Fields(text) {
		if id, ok := slackapp.ParseMention(w); ok {
			member, err := store.MemberBySlackID(ctx, pid, atlas.SlackUserID(id))
			if err != nil {
				return key, nil, atlas.Errorf(atlas.EInvalid, "%s is not on the team. Usage: %s.", w, ratesUsage)
			}
			key.MemberID = &member.ID
			labels = append(labels, member.Name)
			continue
		}
		words = append(words, w)
	}
	var service string
	if len(words) > 0 {
		if s, err := store.LookupService(ctx, pid, words[len(words)-1]); err == nil {
			key.ServiceID = &s.ID
			service = s.Name
			words = words[:len(words)-1]
		}
	}
	if len(words) > 0 {
		e, err := store.LookupEntity(ctx, pid, strings.Join(words, " "))
		if err != nil {
			return key, nil, err
		}
		key.EntityID = &e.ID
		labels = append([]string{e.Name}, labels...)
	}
	if service != "" {
		labels = append(labels, service)
	}
	return key, labels, nil
}

func levelName(r practice.Rate) string {
	switch r.Specificity() {
	case 7:
		return "Client × service × person"
	case 6:
		return "Client × service"
	case 5:
		return "Client × person"
	case 4:
		return "Client"
	case 3:
		return "Service × person"
	case 2:
		return "Service"
	case 1:
		return "Person"
	}
	return "Practice default"
}

// rateLabel names what a rate is for: "Acme Ltd × Payroll".
func rateLabel(ctx context.Context, store practice.Store, pid atlas.PracticeID, r practice.Rate) (string, error) {
	var parts []string
	if r.EntityID != nil {
		e, err := store.Entity(ctx, pid, *r.EntityID)
		if err != nil {
			return "", err
		}
		parts = append(parts, e.Name)
	}
	if r.ServiceID != nil {
		services, err := store.Services(ctx, pid)
		if err != nil {
			return "", err
		}
		for _, s := range services {
			if s.ID == *r.ServiceID {
				parts = append(parts, s.Name)
			}
		}
	}
	if r.MemberID != nil {
		team, err := store.Members(ctx, pid)
		if err != nil {
			return "", err
		}
		for _, m := range team {
			if m.ID == *r.MemberID {
				parts = append(parts, m.Name)
			}
		}
	}
	if len(parts) == 0 {
		return "practice default", nil
	}
	return strings.Join(parts, " × "), nil
}

func (h handlers) openRateModal(ctx context.Context, r *slackapp.Request) error {
	services, err := h.Practice.Services(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	opts := make([]blockkit.Option, 0, len(services))
	for _, s := range services {
		opts = append(opts, blockkit.Option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name})
	}
	today := time.Now().In(r.Practice.Location()).Format("2006-01-02")
	return r.OpenModal(RateModal(opts, today, r.Practice.Currency))
}

// submitRate sets or ends a rate from the form.
func (h handlers) submitRate(ctx context.Context, r *slackapp.Request) error {
	store := h.Practice
	var key practice.RateKey
	if v := r.Value(RateClient); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return atlas.FieldError(RateClient, "Pick the client from the list.")
		}
		if _, err := store.Entity(ctx, r.Practice.ID, id); err != nil {
			return atlas.FieldError(RateClient, "That client no longer exists; pick another.")
		}
		key.EntityID = &id
	}
	if v := r.Value(RateService); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return atlas.FieldError(RateService, "Pick the service from the list.")
		}
		key.ServiceID = &id
	}
	if v := r.Value(RateMember); v != "" {
		m, err := store.MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(v))
		if err != nil {
			return atlas.FieldError(RateMember, "That person is not on the team. Add them first with `/atlas team add`.")
		}
		key.MemberID = &m.ID
	}
	from := r.Value(RateFrom)
	var rate practice.Rate
	var revalued int
	var err error
	verb := "set"
	if r.Value(RateAction) == "end" {
		verb = "ended"
		date, perr := time.Parse("2006-01-02", from)
		if perr != nil {
			return atlas.FieldError(RateFrom, "Pick the date from which the rate no longer applies.")
		}
		rate, revalued, err = h.Time.EndRateFor(ctx, r.Practice, r.Member.ID, key, date)
		if atlas.ErrorCode(err) == atlas.ENotFound {
			return atlas.FieldError(RateFrom, "%s", atlas.ErrorMessage(err))
		}
	} else {
		if strings.TrimSpace(r.Value(RateAmount)) == "" {
			return atlas.FieldError(RateAmount, "Give the hourly rate, such as 95 or 95.50.")
		}
		rate, revalued, err = h.Time.SetRate(ctx, r.Practice, r.Member.ID, practice.RateInput{Key: key, Amount: r.Value(RateAmount), From: from},
			r.Practice.Today(r.Now()))
	}
	if err != nil {
		return err
	}
	r.Ack(nil)
	label, err := rateLabel(ctx, store, r.Practice.ID, rate)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf(":white_check_mark: Rate %s: *%s/h* for %s from %s.", verb, money.Format(rate.HourlyRate, r.Practice.Currency), label, from)
	if revalued > 0 {
		msg += fmt.Sprintf(" %d unbilled time %s revalued; billed time is unchanged.", revalued, ui.Plural(revalued, "entry was", "entries were"))
	}
	return r.Send(ctx, slackapp.Message{Text: msg})
}
