"""The base class of end-to-end modules that run deltad against their own
tools/llm-stub: see StubbedDeltaTestCase."""

from tests.e2e import harness
from tests.e2e.test_llm_stub import LlmStub, point_llm_rows_at


class StubbedDeltaTestCase(harness.DeltaTestCase):
    """Per test class: one llm-stub, one fresh database (migrated, demo data,
    and demo candles when `with_candles`) whose LLM rows point at the stub,
    and one deltad started with `config` (DELTA_* kwargs) and `provider_key`
    as the demo routes' key. The stub's modes are reset around every test."""

    config = {}
    with_candles = False
    provider_key = "sk-e2e-provider"

    @classmethod
    def setUpClass(cls):
        # Not DeltaTestCase.setUpClass: the routing rows must point at the
        # stub before deltad starts (and loads them).
        super(harness.DeltaTestCase, cls).setUpClass()
        cls.stub = LlmStub().start()
        cls.addClassCleanup(cls.stub.stop)
        cls.db_url = harness.fresh_database()
        cls.addClassCleanup(harness.drop_database, cls.db_url)
        harness.prepare_database(cls.db_url)
        if cls.with_candles:
            harness.psql(cls.db_url, file=harness.demo_candles_file())
        point_llm_rows_at(cls.db_url, cls.stub)
        cls.deltad = harness.Deltad(cls.db_url, prepare=False, demo_llm_key=cls.provider_key, **cls.config)
        cls.deltad.remember_secret(cls.provider_key, "provider key")
        cls.addClassCleanup(cls.deltad.close)
        cls.deltad.start()
        cls.deltad.wait_serving()

    def setUp(self):
        super().setUp()
        self.stub.control(mode="ok", fail_next=0, models={})

    def tearDown(self):
        self.stub.control(mode="ok", fail_next=0, models={})
        super().tearDown()
