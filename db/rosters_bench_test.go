package db_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/testfactory"
	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

// BenchmarkRosterStage stages a roster of 100,000 people (MUSTER_BENCH_ROSTER
// sets another size) as an organisation's admin — read from CSV a row at
// a time, checked by sim, copied in, checked set-based against every
// account, invitation and candidate — beside the ceiling: a raw COPY of the
// same file into a plain table on a superuser connection. Each op is one
// whole file; rows/s is reported. See docs/benchmarks.md.
func BenchmarkRosterStage(b *testing.B) {
	n := 100_000
	if env := os.Getenv("MUSTER_BENCH_ROSTER"); env != "" {
		var err error
		n, err = strconv.Atoi(env)
		require.NoError(b, err)
	}
	var file bytes.Buffer
	file.WriteString("name,email,phone,connection,region,consent\n")
	for i := range n {
		fmt.Fprintf(&file, "Person %d,person%d@example.org,07700 9%05d,veteran,north_west,by email\n", i, i, i%100000)
	}
	data := file.Bytes()
	ctx := context.Background()
	bundle := setup(b)
	org, admin := bundle.onboard(b, "Roster NHS Trust", "admin.roster@example.org")
	testfactory.Candidate(b, bundle.db, testfactory.CandidateOpts{Email: "someone@example.org"})

	seq := 0
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			seq++
			var salt [8]byte
			binary.BigEndian.PutUint64(salt[:], uint64(seq))
			sum := sha256.Sum256(append(salt[:], data...)) // another upload each time
			var imp db.RosterImport
			require.NoError(b, bundle.in(b, admin.actor, func(tx *db.Tx) error {
				var err error
				imp, _, err = tx.RosterStage(ctx, db.RosterUpload{OrgID: org.ID, SHA256: sum[:], Format: "csv", Now: bundle.now},
					func(each func(sim.RosterRow, []sim.RosterProblem) error) error {
						return render.ReadRosterCSV(bytes.NewReader(data), "", render.DefaultRosterLimits, each)
					})
				return err
			}))
			require.Equal(b, n, imp.Valid)
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	_, err := bundle.db.Admin.Exec(ctx, `CREATE TABLE roster_raw (name text, email text, phone text, connection text, region text, consent text)`)
	require.NoError(b, err)
	b.Run("raw-copy", func(b *testing.B) {
		for b.Loop() {
			conn, err := bundle.db.Admin.Acquire(ctx)
			require.NoError(b, err)
			tag, err := conn.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), "COPY roster_raw FROM STDIN WITH (FORMAT csv, HEADER true)")
			conn.Release()
			require.NoError(b, err)
			require.Equal(b, int64(n), tag.RowsAffected())
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
