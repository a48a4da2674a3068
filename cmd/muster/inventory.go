package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

// runInventory prints the data inventory, with the default retention
// schedule, as Markdown (docs/data-inventory.md is this output) or CSV.
func runInventory(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("inventory", flag.ContinueOnError)
	format := fs.String("format", "markdown", "markdown or csv")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("inventory takes no arguments, only --format (got %q)", fs.Arg(0))
	}
	switch *format {
	case "markdown", "md":
		return render.InventoryMarkdown(out, db.Inventory, sim.DefaultRetention)
	case "csv":
		return render.InventoryCSV(out, db.Inventory, sim.DefaultRetention)
	}
	return fmt.Errorf("--format must be markdown or csv, not %q", *format)
}
