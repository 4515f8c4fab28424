package main

import (
	"io"
	"strings"
	"testing"
)

// TestBadFlags: a flag the load test cannot run with is refused, naming
// it, before anything is made or started.
func TestBadFlags(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-replicas", "0"}, "-replicas"},
		{[]string{"-runs", "0"}, "-runs"},
		{[]string{"-paced", "0s"}, "-paced"},
		{[]string{"-unpaced", "-1s"}, "-unpaced"},
		{[]string{"-rounds", "0"}, "-rounds"},
		{[]string{"-clients", "0"}, "-clients"},
		{[]string{"-people", "3"}, "-people"},
		{[]string{"-clientsim", "-1"}, "-clientsim"},
		{[]string{"-binary", ""}, "-binary"},
		{[]string{"-logs", ""}, "-logs"},
		{[]string{"10"}, `unexpected argument "10"`},
	} {
		err := run(t.Context(), c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %s", c.args, err, c.want)
		}
	}
	if err := run(t.Context(), []string{"-help"}, io.Discard); err != nil {
		t.Errorf("-help: %v", err)
	}
}
