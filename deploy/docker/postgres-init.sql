-- the run ledger lives in its own database, never the source
CREATE DATABASE dataops_control OWNER dataops;
