package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/render"
)

// docs/data-inventory.md is what muster inventory prints: a change to the
// schema's inventory without make generate fails here.
func TestDataInventoryDocumentIsCurrent(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, runInventory(nil, &out))
	doc, err := os.ReadFile("../../docs/data-inventory.md")
	require.NoError(t, err)
	require.Equal(t, out.String(), string(doc), "docs/data-inventory.md is stale: run make generate")
}

// The CSV has one row per column of the inventory, under its header, and
// bad flags are refused naming them.
func TestInventoryCSV(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, runInventory([]string{"--format", "csv"}, &out))
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	require.Equal(t, render.InventoryHeader, rows[0])
	require.Len(t, rows, len(db.Inventory)+1)
	require.ErrorContains(t, runInventory([]string{"--format", "pdf"}, &out), "--format must be markdown or csv")
	require.ErrorContains(t, runInventory([]string{"extra"}, &out), "no arguments")
}

// The development Temporal server keeps its SQLite file with secure_delete
// on, so erased histories do not linger in free pages, and has Muster's
// search attributes.
func TestDevServerDeletesSecurely(t *testing.T) {
	t.Parallel()
	args := devServerArgs(config{TemporalNamespace: "default", CodecAddr: "127.0.0.1:8081"}, "127.0.0.1", "7233")
	i := slices.Index(args, "--sqlite-pragma")
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, "secure_delete=ON", args[i+1])
	require.Contains(t, args, "MusterRequestState=Keyword")
}
