"""The form editor `/admin/` (Decap CMS): its configuration from the models (config), its local backend in
`fiches serve` (api), its pinned files (bundle)."""
