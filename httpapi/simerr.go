package httpapi

import (
	"errors"

	"github.com/muster-cms/muster/sim"
)

func asSimError(err error, target **sim.Error) bool { return errors.As(err, target) }
