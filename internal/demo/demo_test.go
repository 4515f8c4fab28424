package demo_test

import (
	"context"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/demo"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	p := demo.Practice{TeamID: "TDEMO", Name: "Ledgerline Bookkeeping", People: []demo.Person{
		{SlackUserID: "U0ADA", Name: "Ada Admin", Role: atlas.RoleAdmin},
		{SlackUserID: "U0MINA", Name: "Mina Manager", Role: atlas.RoleManager},
		{SlackUserID: "U0BEA", Name: "Bea Bookkeeper", Role: atlas.RoleStaff},
	}}
	count := func() [6]int {
		var c [6]int
		err := tx.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM members), (SELECT count(*) FROM entities), (SELECT count(*) FROM services),
			(SELECT count(*) FROM rates), (SELECT count(*) FROM entities WHERE billing_type = 'fixed'),
			(SELECT count(*) FROM time_entries)`).Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5])
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := demo.Seed(context.Background(), tx, p); err != nil {
		t.Fatal(err)
	}
	first := count()
	if err := demo.Seed(context.Background(), tx, p); err != nil {
		t.Fatal(err)
	}
	c := count()
	if c[0] != 3 || c[1] != 12 || c[2] != 6 || c[3] != 6 || c[4] == 0 || c[4] == c[1] {
		t.Fatalf("after seeding twice: members %d, clients %d, services %d, rates %d, fixed-fee %d", c[0], c[1], c[2], c[3], c[4])
	}
	if c[5] == 0 || c != first {
		t.Fatalf("seeding again changed the practice: %v, then %v (the last is time entries)", first, c)
	}
}
