package practice

import (
	"context"
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// likeEscaper makes user text literal inside a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchEntities finds active clients for text, best match first: an exact
// code, then codes starting with it, names containing it, and names with a
// word that looks like it (trigram word similarity, for typos). Empty text lists clients by name.
// It serves the type-ahead, so it stays one indexed query.
func (s Store) SearchEntities(ctx context.Context, pid atlas.PracticeID, text string, limit int) ([]Entity, error) {
	q := strings.ToLower(strings.TrimSpace(text))
	if q == "" {
		rows, err := s.DB.Query(ctx, `SELECT `+entityColumns+` FROM entities
			WHERE practice_id = $1 AND archived_at IS NULL ORDER BY lower(name), id LIMIT $2`, pid, limit)
		return collectEntities(rows, err)
	}
	// search_text holds code, name and aliases ("|acme|acme trading
	// ltd|…|"); its trigram index finds substrings fast. Typo-tolerant
	// matching costs a similarity score per client, so it runs only when
	// nothing contains the text. The entity_lookup function ranks
	// substring matches the same way for LookupEntity.
	rows, err := s.DB.Query(ctx, `
		SELECT `+entityColumns+` FROM entities
		WHERE practice_id = $1 AND archived_at IS NULL AND search_text LIKE '%' || $3 || '%'
		ORDER BY lower(code) = $2 DESC,
		         search_text LIKE '%|' || $3 || '|%' DESC,
		         lower(code) LIKE $3 || '%' DESC,
		         search_text LIKE '%|' || $3 || '%' DESC,
		         lower(name), id
		LIMIT $4`, pid, q, likeEscaper.Replace(q), limit)
	found, err := collectEntities(rows, err)
	if err != nil || len(found) > 0 {
		return found, err
	}
	return s.similarEntities(ctx, pid, q, limit)
}

// collectEntities reads the clients a search query returned.
func collectEntities(rows pgx.Rows, err error) ([]Entity, error) {
	if err != nil {
		return nil, fmt.Errorf("search clients: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entity, error) { return scanEntity(r) })
}

// similarEntities finds active clients with a word that looks like q, which
// is lower-cased: the typo-tolerant search, for text nothing contains.
func (s Store) similarEntities(ctx context.Context, pid atlas.PracticeID, q string, limit int) ([]Entity, error) {
	if !strings.Contains(q, " ") {
		// One word: the words of the practice's clients that look like
		// it, then the clients with those words, by the substring index.
		// Each word takes only its first $3 clients by name: a client
		// past them is behind $3 others at least as good, so it could not
		// be shown, and a common word ("valley" in thousands of names)
		// then costs a top-N sort rather than joining and sorting every
		// client that has it.
		rows, err := s.DB.Query(ctx, `
			WITH w AS (SELECT word, similarity($2, word) AS score FROM entity_words
			            WHERE practice_id = $1 AND word % $2 ORDER BY score DESC, word LIMIT 5)
			SELECT `+entityColumns+` FROM (
				SELECT DISTINCT ON (e.id) e.id AS entity, e.sort_name, w.score FROM w
				  CROSS JOIN LATERAL (SELECT x.id, lower(x.name) AS sort_name FROM entities x
				                       WHERE x.practice_id = $1 AND x.archived_at IS NULL
				                         AND x.search_text LIKE '%' || replace(replace(replace(w.word, '\', '\\'), '%', '\%'), '_', '\_') || '%'
				                       ORDER BY lower(x.name), x.id LIMIT $3) e
				 ORDER BY e.id, w.score DESC) m
			JOIN entities ON entities.practice_id = $1 AND entities.id = m.entity
			ORDER BY m.score DESC, m.sort_name, entities.id
			LIMIT $3`, pid, q, limit)
		return collectEntities(rows, err)
	}
	rows, err := s.DB.Query(ctx, `
		SELECT `+entityColumns+` FROM entities
		WHERE practice_id = $1 AND archived_at IS NULL AND ($2 <% search_text OR $2 % search_text)
		ORDER BY greatest(word_similarity($2, search_text), similarity($2, search_text)) DESC, lower(name), id
		LIMIT $3`, pid, q, limit)
	return collectEntities(rows, err)
}

// codesLike finds the live clients whose code is one letter away from q
// (two for codes of six letters or more), a letter added, dropped, changed
// or two swapped.
func (s Store) codesLike(ctx context.Context, pid atlas.PracticeID, q string) ([]Entity, error) {
	if len([]rune(q)) < 3 || strings.ContainsRune(q, ' ') {
		return nil, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT `+entityColumns+` FROM entities WHERE practice_id = $1 AND archived_at IS NULL
		AND length(code) BETWEEN $2 AND $3 ORDER BY lower(code)`, pid, len(q)-2, len(q)+2)
	all, err := collectEntities(rows, err)
	if err != nil {
		return nil, err
	}
	var out []Entity
	for _, e := range all {
		code := strings.ToLower(e.Code)
		limit := 1
		if len(code) >= 6 {
			limit = 2
		}
		if levenshtein.ComputeDistance(q, code) <= limit || swapped(q, code) {
			out = append(out, e)
		}
	}
	return out, nil
}

// swapped says whether a and b differ by two neighbouring letters swapped.
func swapped(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i+1 < len(a); i++ {
		if a[i] != b[i] {
			return a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
		}
	}
	return false
}

// AmbiguousError says a client name matched several clients; Matches lists
// them so the caller can offer a choice.
type AmbiguousError struct {
	Text    string
	Matches []Entity
	// Typed holds, for a line read word by word, the words that named each
	// match (by id) when they differ from Text: picking a match puts its
	// code in place of those words, in quotes so that they are read as a
	// client's name and nothing more.
	Typed map[int64]string
}

func (e *AmbiguousError) Error() string {
	labels := make([]string, 0, len(e.Matches))
	for _, m := range e.Matches {
		labels = append(labels, fmt.Sprintf("`%s` (%s)", m.Code, m.Name))
	}
	return fmt.Sprintf("%q matches %d clients: %s. Use the client's code.", e.Text, len(e.Matches), strings.Join(labels, ", "))
}

// LookupEntity resolves what a person typed to one client: its exact code,
// then an alias, then a unique fuzzy match of the name ("acme" finds "Acme
// Trading Ltd"). An archived client is refused with a clear message, several
// matches give an *AmbiguousError (wrapped in an EInvalid atlas error), none
// gives ENotFound.
func (s Store) LookupEntity(ctx context.Context, pid atlas.PracticeID, text string) (Entity, error) {
	q := strings.ToLower(strings.TrimSpace(text))
	if q == "" {
		return Entity{}, atlas.Errorf(atlas.EInvalid, "Name the client, by its code or name, such as ACME or \"Acme Trading\".")
	}
	// One round trip: the entity_lookup function (migration 00004) returns
	// the client with the text as its code, else those with it as an alias
	// (archived or not, so an archived client is named), else the best
	// lookupMatches clients that contain it, in SearchEntities' order.
	rows, err := s.DB.Query(ctx, `SELECT `+entityColumns+`, x.exact
		FROM entity_lookup($1, $2, $3, $4) WITH ORDINALITY AS x (entity_id, exact, n)
		JOIN entities ON entities.practice_id = $1 AND entities.id = x.entity_id
		ORDER BY x.n`, pid, q, likeEscaper.Replace(q), lookupMatches)
	if err != nil {
		return Entity{}, fmt.Errorf("look up client: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lookupRow, error) {
		var l lookupRow
		var err error
		l.Entity, err = scanEntity(flaggedRow{r, &l.exact})
		return l, err
	})
	if err != nil {
		return Entity{}, err
	}
	var exact, matches []Entity
	for _, l := range found {
		if l.exact {
			exact = append(exact, l.Entity)
		} else {
			matches = append(matches, l.Entity)
		}
	}
	var live []Entity
	for _, e := range exact {
		if strings.ToLower(e.Code) == q {
			return refuseArchived(e)
		}
		if !e.Archived() {
			live = append(live, e)
		}
	}
	switch {
	case len(live) == 1:
		return live[0], nil
	case len(live) > 1:
		return Entity{}, ambiguous(text, live)
	case len(exact) > 0:
		return refuseArchived(exact[0])
	}

	// Nothing contains the text: clients with a word like it, for typos.
	if len(matches) == 0 {
		if matches, err = s.similarEntities(ctx, pid, q, lookupMatches); err != nil {
			return Entity{}, err
		}
	}
	// A code mistyped by a letter ("akme" for ACME): codes are too short
	// for the likeness of words to catch.
	if len(matches) == 0 {
		if matches, err = s.codesLike(ctx, pid, q); err != nil {
			return Entity{}, err
		}
	}
	// Every result matched by code prefix, name, alias or likeness.
	good := matches
	// A name that starts with the text beats ones that merely contain it.
	if len(good) > 1 {
		var starts []Entity
		for _, m := range good {
			if strings.HasPrefix(strings.ToLower(m.Name), q) {
				starts = append(starts, m)
			}
		}
		if len(starts) == 1 {
			return starts[0], nil
		}
	}
	switch len(good) {
	case 0:
		return Entity{}, atlas.Errorf(atlas.ENotFound, "No client called %q. `/atlas clients` lists them; use a client's code or name.", text)
	case 1:
		return good[0], nil
	}
	return Entity{}, ambiguous(text, good)
}

// lookupMatches is how many clients LookupEntity considers for text that
// names none exactly.
const lookupMatches = 6

// lookupRow is a client entity_lookup returned, and whether its code or an
// alias is the text exactly.
type lookupRow struct {
	Entity
	exact bool
}

// flaggedRow scans an entity's columns and then the flag that follows them.
type flaggedRow struct {
	pgx.Row
	flag *bool
}

func (r flaggedRow) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.flag)...) }

func ambiguous(text string, ms []Entity) error { return Ambiguous(text, ms, nil) }

// Ambiguous is the error for words that could mean any of several clients;
// typed, when set, holds the words that named each (see AmbiguousError).
func Ambiguous(text string, ms []Entity, typed map[int64]string) error {
	amb := &AmbiguousError{Text: text, Matches: ms, Typed: typed}
	return atlas.Wrap(amb, atlas.EInvalid, "%s", amb.Error())
}

// RefuseArchived refuses new work for an archived client, saying how to
// restore it; it returns the client either way.
func RefuseArchived(e Entity) (Entity, error) { return refuseArchived(e) }

func refuseArchived(e Entity) (Entity, error) {
	if e.Archived() {
		return e, atlas.Errorf(atlas.EInvalid, "%s (%s) is archived, so it takes no new work. An admin or manager can restore it with `/atlas clients restore %s`.", e.Name, e.Code, e.Code)
	}
	return e, nil
}

// LookupEntityAny finds a client as LookupEntity does, but takes an
// archived client too: for looking at its past and restoring it, where
// LookupEntity refuses archived clients for new work.
func (s Store) LookupEntityAny(ctx context.Context, pid atlas.PracticeID, text string) (Entity, error) {
	e, err := s.LookupEntity(ctx, pid, text)
	if err != nil && e.ID != 0 && e.Archived() {
		return e, nil
	}
	return e, err
}

// RunMatch is a client a run of typed words names; Exact when the words
// are its code, one of its other names or its whole name.
type RunMatch struct {
	ID       int64
	Exact    bool
	Archived bool // found by code or another name; it takes no new work
}

// MatchRuns finds, for each run of words, the clients it names, in one
// round trip: for each, the client whose code it is, else those with it as
// another name, else those whose code, name or other names contain it
// (entity_lookup's rules), marking those it names whole. A single word that
// names nothing finds clients with a word like it, for typos.
func (s Store) MatchRuns(ctx context.Context, pid atlas.PracticeID, runs []string) ([][]RunMatch, error) {
	out := make([][]RunMatch, len(runs))
	texts := make([]string, len(runs))
	patterns := make([]string, len(runs))
	for i, r := range runs {
		texts[i], patterns[i] = RunText(r)
	}
	// entity_matches (migration 00029) is entity_lookup returning the
	// flags too: joining entities again to read them cost a third of a
	// /log line's lookup.
	rows, err := s.DB.Query(ctx, `SELECT r.n::int, x.entity_id, x.whole, x.archived
		FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS r (t, p, n)
		CROSS JOIN LATERAL entity_matches($1, r.t, r.p, $4) AS x
		ORDER BY r.n`, pid, texts, patterns, lookupMatches)
	if err != nil {
		return nil, fmt.Errorf("match client words: %w", err)
	}
	var n int
	var m RunMatch
	if _, err := pgx.ForEachRow(rows, []any{&n, &m.ID, &m.Exact, &m.Archived}, func() error {
		out[n-1] = append(out[n-1], m)
		return nil
	}); err != nil {
		return nil, err
	}
	if len(runs) > 0 && len(out[0]) == 0 && !strings.Contains(texts[0], " ") && texts[0] != "" {
		similar, err := s.similarEntities(ctx, pid, texts[0], lookupMatches)
		if err != nil {
			return nil, err
		}
		for _, e := range similar {
			out[0] = append(out[0], RunMatch{ID: e.ID})
		}
	}
	return out, nil
}

// RunText is a run of typed words as entity_matches takes it: the text,
// lower-cased, and the text escaped for LIKE.
func RunText(run string) (text, pattern string) {
	text = strings.ToLower(strings.TrimSpace(run))
	return text, likeEscaper.Replace(text)
}

// OneClientNamed selects, as entity_id, the client a run of words names
// when MatchRuns would find that client and no other, and it is not
// archived: then a line whose client is that one run names it for certain.
// $1 is the practice, $2 and $3 the run as RunText gives it. Otherwise it
// selects no row: no client (MatchRuns would try words like it), several
// (the person is asked which) or an archived one (it is refused), which the
// caller answers the long way. It lets a /log line look up its client and
// save its time in one statement. entity_matches stops at the first
// clients that contain the text; two are enough to know it is not one.
const OneClientNamed = `SELECT min(m.entity_id) AS entity_id FROM entity_matches($1, $2, $3, 2) AS m
	HAVING count(*) = 1 AND NOT bool_or(m.archived)`

// EntitiesByID loads the clients with the given ids, in that order.
func (s Store) EntitiesByID(ctx context.Context, pid atlas.PracticeID, ids []int64) ([]Entity, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+entityColumns+` FROM entities
		WHERE practice_id = $1 AND id = ANY($2) ORDER BY array_position($2, id)`, pid, ids)
	return collectEntities(rows, err)
}

// LineClients answers a time line reader's questions about clients
// (timeparse.ReadLog's clients) from the practice's clients: every run of
// words in one round trip (MatchRuns), noting in Archived the archived
// clients the words found, so the reader's caller can refuse them by name.
// It holds a context because the reader's interface has none.
type LineClients struct {
	Ctx      context.Context
	Store    Store
	Practice atlas.PracticeID
	Archived map[int64]bool
}

// Runs looks up each run of words.
func (c LineClients) Runs(runs []string) ([][]timeparse.ClientMatch, error) {
	found, err := c.Store.MatchRuns(c.Ctx, c.Practice, runs)
	if err != nil {
		return nil, err
	}
	out := make([][]timeparse.ClientMatch, len(found))
	for i, ms := range found {
		for _, m := range ms {
			out[i] = append(out[i], timeparse.ClientMatch{ID: m.ID, Exact: m.Exact})
			if m.Archived {
				c.Archived[m.ID] = true
			}
		}
	}
	return out, nil
}
