package apperr
