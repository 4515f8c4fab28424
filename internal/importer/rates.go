package importer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

var ratesFormat = format{
	columns:  []string{"client_code", "service_code", "member_slack_id", "hourly_rate", "effective_from"},
	required: []string{"hourly_rate"},
}

// rateFields maps the rate form's fields to this file's columns.
var rateFields = map[string]string{
	practice.FieldRateAmount: "hourly_rate",
	practice.FieldRateFrom:   "effective_from",
}

// rateKey is what makes a rate the same rate: its combination and start,
// as the rates table's unique key has it (0 for a level left open).
type rateKey struct {
	entity, service, member int64
	from                    string
}

// importRates sets each rate with the time package's SetRate, as the rate
// form does, so the amount and date are checked by its rules and unbilled time
// is revalued from the rate's start. A rate card has tens of rows.
func importRates(ctx context.Context, r *run, t *table) error {
	team, err := members(ctx, r.tx, r.pid())
	if err != nil {
		return err
	}
	svcs, err := services(ctx, r.tx, r.pid())
	if err != nil {
		return err
	}
	clients, err := entityIDs(ctx, r.tx, r.pid())
	if err != nil {
		return err
	}
	existing, err := rateKeys(ctx, r.tx, r.pid())
	if err != nil {
		return err
	}
	p, err := r.store.Get(ctx, r.pid())
	if err != nil {
		return err
	}
	seen := map[rateKey]int{}
	for _, row := range t.rows {
		key, in, rerr := rateRow(row, team, svcs, clients)
		if rerr != nil {
			r.rep.Errors = append(r.rep.Errors, *rerr)
			continue
		}
		from := r.o.Today
		if v := row.get("effective_from"); v != "" {
			// A date SetRate will refuse leaves from unused: its error says why.
			if d, err := time.Parse("2006-01-02", v); err == nil {
				from = d
			}
		}
		key.from = from.Format("2006-01-02")
		if first, dup := seen[key]; dup {
			r.invalid(row.line, "", fmt.Sprintf("Line %d of this file already sets the rate for the same client, service and person from %s. Each rate appears once.", first, key.from))
			continue
		}
		if _, _, err := (timesheet.Store{DB: r.tx}).SetRate(ctx, p, r.o.Actor, in, r.o.Today); err != nil {
			if err := r.reject(row.line, rateFields, err); err != nil {
				return err
			}
			continue
		}
		seen[key] = row.line
		r.count(existing[key])
	}
	return nil
}

// rateRow resolves the codes of a row to the rate it sets.
func rateRow(row row, team map[atlas.SlackUserID]memberRef, svcs map[string]serviceRef, clients map[string]int64) (rateKey, practice.RateInput, *RowError) {
	var key rateKey
	in := practice.RateInput{Amount: row.get("hourly_rate"), From: row.get("effective_from")}
	bad := func(col, format string, args ...any) (rateKey, practice.RateInput, *RowError) {
		return key, in, &RowError{Line: row.line, Column: col, Reason: fmt.Sprintf(format, args...)}
	}
	if v := row.get("client_code"); v != "" {
		id, ok := clients[strings.ToUpper(v)]
		if !ok {
			return bad("client_code", "No client has the code %s. Import the clients first, or leave client_code empty for a rate that applies to every client.", v)
		}
		key.entity, in.Key.EntityID = id, &id
	}
	if v := row.get("service_code"); v != "" {
		s, ok := svcs[strings.ToUpper(v)]
		if !ok || !s.active {
			return bad("service_code", "No active service has the code %s. Import the services first, or leave service_code empty for a rate that applies to all work.", v)
		}
		key.service, in.Key.ServiceID = s.id, &s.id
	}
	if v := row.get("member_slack_id"); v != "" {
		m, ok := team[slackUser(v)]
		if !ok || !m.active {
			return bad("member_slack_id", "%s is not on the team. Import the team first, or leave member_slack_id empty for a rate that applies to everyone.", v)
		}
		id := m.id
		key.member, in.Key.MemberID = int64(id), &id
	}
	return key, in, nil
}

// entityIDs returns every client's id by upper-case code.
func entityIDs(ctx context.Context, q pgx.Tx, pid atlas.PracticeID) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT upper(code), id FROM entities WHERE practice_id = $1`, pid)
	if err != nil {
		return nil, fmt.Errorf("read the clients: %w", err)
	}
	out := map[string]int64{}
	var code string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&code, &id}, func() error {
		out[code] = id
		return nil
	})
	return out, err
}

// rateKeys returns the key of every rate on the card.
func rateKeys(ctx context.Context, q pgx.Tx, pid atlas.PracticeID) (map[rateKey]bool, error) {
	rows, err := q.Query(ctx, `SELECT coalesce(entity_id, 0), coalesce(service_id, 0), coalesce(member_id, 0),
		to_char(effective_from, 'YYYY-MM-DD') FROM rates WHERE practice_id = $1`, pid)
	if err != nil {
		return nil, fmt.Errorf("read the rate card: %w", err)
	}
	out := map[rateKey]bool{}
	var k rateKey
	_, err = pgx.ForEachRow(rows, []any{&k.entity, &k.service, &k.member, &k.from}, func() error {
		out[k] = true
		return nil
	})
	return out, err
}
