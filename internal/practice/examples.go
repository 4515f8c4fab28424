package practice

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// ExampleWords are a practice's own words for the examples in help: an
// example that names a client the reader has never heard of ("acme") must
// be translated before it is tried; one naming their own client is typed
// as it stands.
type ExampleWords struct {
	Clients []string // up to two client codes, the most logged to first
	Name    string   // the first of those clients' name, up to two words ("Acme Trading")
	Service string   // a service code other than the default, lower case
}

// ExampleWords picks the clients the practice logged most time to in the
// 60 days to today (else the first by code) and a service. A practice with
// no clients or services yet gets none, and help keeps its made-up names.
func (s Store) ExampleWords(ctx context.Context, pid atlas.PracticeID, today time.Time) (ExampleWords, error) {
	var w ExampleWords
	rows, err := s.DB.Query(ctx, `
		WITH recent AS (
			SELECT entity_id, count(*) AS n FROM time_entries
			 WHERE practice_id = $1 AND work_date > $2::date - 60
			 GROUP BY entity_id ORDER BY n DESC LIMIT 2)
		SELECT e.code, e.name FROM entities e LEFT JOIN recent r ON r.entity_id = e.id
		 WHERE e.practice_id = $1 AND e.archived_at IS NULL
		 ORDER BY r.n DESC NULLS LAST, lower(e.code) LIMIT 2`, pid, today)
	if err != nil {
		return w, err
	}
	var code, name string
	if _, err := pgx.ForEachRow(rows, []any{&code, &name}, func() error {
		if len(w.Clients) == 0 {
			words := strings.Fields(name)
			w.Name = strings.Join(words[:min(2, len(words))], " ")
		}
		w.Clients = append(w.Clients, strings.ToLower(code))
		return nil
	}); err != nil {
		return w, err
	}
	err = s.DB.QueryRow(ctx, `
		SELECT lower(s.code) FROM services s JOIN practices p ON p.id = s.practice_id
		 WHERE s.practice_id = $1 AND s.active AND s.id IS DISTINCT FROM p.default_service_id
		 ORDER BY lower(s.code) LIMIT 1`, pid).Scan(&w.Service)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return w, err
	}
	return w, nil
}
