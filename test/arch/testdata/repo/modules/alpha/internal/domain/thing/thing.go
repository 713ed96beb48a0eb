package thing

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/zebralabs/zebra/platform/apperr"
	"gorm.io/gorm"
)
