"""Writes of the outlet lifecycle (R4, R3, R8.4, R6). Every path — pages, commands, jobs — goes through these.

Each service: permission (`require`) and data scope (`require_scope`), invariants with Chinese messages,
the status change through the transition tables of workflow.py under select_for_update(), an audit event
and a timeline event in the same transaction, notifications to the next actor.

The services are split by step; this package re-exports them so callers write
`services.<entity>_<verb>(...)`.
"""

from .acceptance import (  # noqa: F401  (re-exported)
    outlet_application_accept,
)
from .agreements import (  # noqa: F401  (re-exported)
    agreement_object,
    agreement_sign,
    agreements_renew_due,
    agreements_renewal_reminders,
    renewal_objection_withdraw,
)
from .alerts import (  # noqa: F401  (re-exported)
    filing_deadline_alerts,
)
from .applications import (  # noqa: F401  (re-exported)
    APP_KEYS,
    OUTLET_KEYS,
    application_errors,
    application_file_delete,
    check_files,
    layout_exception_decide,
    layout_exception_request,
    outlet_application_admit,
    outlet_application_create,
    outlet_application_rectify,
    outlet_application_reject,
    outlet_application_return,
    outlet_application_submit,
    outlet_application_update,
    outlet_application_withdraw,
    store_files,
)
from .banks import (  # noqa: F401  (re-exported)
    BANK_APP_FIELDS,
    bank_application_approve,
    bank_application_create,
    bank_application_reject,
    bank_application_return,
    bank_application_review,
    bank_application_submit,
    bank_application_update,
    bank_application_withdraw,
)
from .base import (  # noqa: F401  (re-exported)
    term_end,
    timeline_event,
)
from .changes import (  # noqa: F401  (re-exported)
    CHANGE_FIELDS,
    change_request_errors,
    change_request_same_side,
    outlet_change_request_approve,
    outlet_change_request_create,
    outlet_change_request_decide_layout,
    outlet_change_request_justify_layout,
    outlet_change_request_reject,
    outlet_change_request_withdraw,
)
from .configuration import (  # noqa: F401  (re-exported)
    checklist_draft_create,
    checklist_draft_save,
    checklist_publish,
    settings_update,
    template_save,
)
from .filing import (  # noqa: F401  (re-exported)
    filing_check,
    filing_submit,
    plaque_issue,
)
from .inspections import (  # noqa: F401  (re-exported)
    inspection_complete,
    inspection_save,
    inspection_start,
)
from .opening import (  # noqa: F401  (re-exported)
    OPENING_ITEMS,
    opening_check_errors,
    opening_check_record,
    opening_checks_sweep,
)
from .suspension import (  # noqa: F401  (re-exported)
    outlet_resume,
    outlet_suspend,
)
from .terminations import (  # noqa: F401  (re-exported)
    bank_agreement_terminate,
    open_item_close,
    open_items_refresh,
    termination_approve,
    termination_cancel,
    termination_confirm,
    termination_execute,
    termination_propose,
    terminations_execute_due,
)
