"""The dependency-injector container: adapters chosen by settings, use cases wired to ports."""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from adapters.inbound.access_listener import AccessListener
from adapters.inbound.orphan_sweeper import OrphanSweeper
from adapters.inbound.retention_sweeper import RetentionSweeper
from adapters.inbound.worker import IngestionWorker
from adapters.outbound.argon2.password_hasher import Argon2PasswordHasher
from adapters.outbound.caching.embedder import CachingEmbedder
from adapters.outbound.caching.retriever import CachingRetriever
from adapters.outbound.extractive.chat_model import ExtractiveChatModel
from adapters.outbound.jwt.token_issuer import PyJWTTokenIssuer
from adapters.outbound.memory.analytics import InMemoryAnalyticsReadModel
from adapters.outbound.memory.conversation_archive import InMemoryConversationArchive
from adapters.outbound.memory.embedder import HashingEmbedder
from adapters.outbound.memory.knowledge import InMemoryJobQueue, InMemoryRetriever
from adapters.outbound.memory.question_vectors import InMemoryQuestionVectors
from adapters.outbound.memory.rate_limiter import LimitsRateLimiter
from adapters.outbound.memory.realtime import InMemoryRealtime
from adapters.outbound.memory.sentence_vectors import InMemorySentenceVectorStore
from adapters.outbound.memory.socket_registry import InMemorySocketRegistry
from adapters.outbound.memory.store import MemoryStore
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.onnx.embedder import OnnxEmbedder
from adapters.outbound.openai.chat_model import OpenAIChatModel
from adapters.outbound.openai.embedder import OpenAIEmbedder
from adapters.outbound.openai.fallback import FallbackChatModel
from adapters.outbound.parsing.isolated import InlineDocumentParser, IsolatedDocumentParser
from adapters.outbound.parsing.routing import RoutingDocumentParser
from adapters.outbound.postgres.analytics import PostgresAnalyticsReadModel
from adapters.outbound.postgres.conversation_archive import PostgresConversationArchive
from adapters.outbound.postgres.job_queue import PostgresJobQueue
from adapters.outbound.postgres.question_vectors import PostgresQuestionVectors
from adapters.outbound.postgres.realtime import PostgresRealtime
from adapters.outbound.postgres.retriever import PostgresRetriever
from adapters.outbound.postgres.sentence_vectors import PostgresSentenceVectorStore
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from adapters.outbound.postgres.vector_indexes import PostgresTenantVectorIndexes
from adapters.outbound.publicsuffix.public_suffixes import PslPublicSuffixes
from adapters.outbound.query_map.memory import InMemoryQueryMaps
from adapters.outbound.query_map.postgres import PostgresQueryMaps
from adapters.outbound.redis.breaker import RedisBreaker
from adapters.outbound.redis.rate_limiter import RedisProbe, redis_rate_limiter
from adapters.outbound.redis.realtime import RedisRealtime
from adapters.outbound.redis.resilient import ResilientRateLimiter
from adapters.outbound.redis.socket_registry import RedisSocketRegistry
from adapters.outbound.rerank.http_reranker import HttpReranker
from adapters.outbound.sentence_transformers.embedder import SentenceTransformerEmbedder
from adapters.outbound.system.clock import SystemClock
from adapters.outbound.teacher.install import TEACHER_NAME
from adapters.outbound.teacher.model import TEACHER_DIMENSIONS, TeacherProcess
from application.admission import Admission
from application.answer_recording import AnswerRecorder
from application.answering import AnswerPolicy
from application.document_intake import DocumentIntake
from application.drafting import Drafting
from application.health_probes import DatabaseProbe, NotConfiguredProbe, QueueProbe
from application.idle_work import IdleWork, Preparation
from application.ports.embedder import Embedder
from application.ports.rate_limiter import RateLimit
from application.ports.sentence_vectors import SentenceVectorStore
from application.recently_read import AccessMemory, ForgetfulRealtime
from application.replay import Replay
from application.search import HybridSearch
from application.token_pairs import TokenPairs
from application.turns import Turns
from application.use_cases.abandon_ingestion import AbandonIngestion
from application.use_cases.add_member import AddMember
from application.use_cases.add_text_document import AddTextDocument
from application.use_cases.answer_message import AnswerMessage
from application.use_cases.answer_orphaned_questions import AnswerOrphanedQuestions
from application.use_cases.apply_retention import ApplyRetention
from application.use_cases.ask_in_widget import AskInWidget
from application.use_cases.authenticate import Authenticate
from application.use_cases.change_member_role import ChangeMemberRole
from application.use_cases.change_plan import ChangePlan
from application.use_cases.change_retention import ChangeRetention
from application.use_cases.check_readiness import CheckReadiness
from application.use_cases.check_widget_origin import CheckWidgetOrigin
from application.use_cases.create_api_key import CreateApiKey
from application.use_cases.create_embed_code import CreateEmbedCode
from application.use_cases.delete_document import DeleteDocument
from application.use_cases.delete_embed_code import DeleteEmbedCode
from application.use_cases.erase_visitor import EraseVisitor
from application.use_cases.export_conversations import ExportConversations
from application.use_cases.export_visitor import ExportVisitor
from application.use_cases.find_content_gaps import FindContentGaps
from application.use_cases.get_analytics_summary import GetAnalyticsSummary
from application.use_cases.get_answer_quality import GetAnswerQuality
from application.use_cases.get_document import GetDocument
from application.use_cases.get_document_usage import GetDocumentUsage
from application.use_cases.get_embed_code import GetEmbedCode
from application.use_cases.get_embed_code_usage import GetEmbedCodeUsage
from application.use_cases.get_profile import GetProfile
from application.use_cases.get_queries_over_time import GetQueriesOverTime
from application.use_cases.get_top_queries import GetTopQueries
from application.use_cases.get_workspace import GetWorkspace
from application.use_cases.ingest_document import IngestDocument
from application.use_cases.list_api_keys import ListApiKeys
from application.use_cases.list_chunks import ListChunks
from application.use_cases.list_conversations import ListConversations
from application.use_cases.list_documents import ListDocuments
from application.use_cases.list_embed_codes import ListEmbedCodes
from application.use_cases.list_members import ListMembers
from application.use_cases.log_in import LogIn
from application.use_cases.log_out import LogOut
from application.use_cases.open_widget import OpenWidget
from application.use_cases.post_agent_message import PostAgentMessage
from application.use_cases.prepare_query_maps import PrepareQueryMaps
from application.use_cases.prepare_sentence_vectors import PrepareSentenceVectors
from application.use_cases.rate_answer import RateAnswer
from application.use_cases.read_conversation import ReadConversation
from application.use_cases.read_widget_history import ReadWidgetHistory
from application.use_cases.read_widget_session import ReadWidgetSession
from application.use_cases.refresh_session import RefreshSession
from application.use_cases.register_account import RegisterAccount
from application.use_cases.reindex_document import ReindexDocument
from application.use_cases.release_conversation import ReleaseConversation
from application.use_cases.remove_member import RemoveMember
from application.use_cases.rename_workspace import RenameWorkspace
from application.use_cases.request_person import RequestPerson
from application.use_cases.revoke_api_key import RevokeApiKey
from application.use_cases.rotate_embed_key import RotateEmbedKey
from application.use_cases.search_knowledge import SearchKnowledge
from application.use_cases.start_widget_session import StartWidgetSession
from application.use_cases.take_over import TakeOver
from application.use_cases.tend_vector_indexes import TendVectorIndexes
from application.use_cases.update_embed_code import UpdateEmbedCode
from application.use_cases.upload_document import UploadDocument
from application.warm_up import EmbedderWarmth
from application.widget_access import WidgetLimits, WidgetSessionTokens
from bootstrap.database import Database
from bootstrap.plans import load_plans
from bootstrap.secrets import signing_key
from bootstrap.settings import Settings
from domain.plans import ParseBudget


def _sentence_preparer(
    llm: str, store: SentenceVectorStore, embedder: Embedder | None
) -> PrepareSentenceVectors | None:
    """Only where the extractive model weighs sentences by meaning (it reads them)."""
    return PrepareSentenceVectors(store, embedder) if llm == "extractive" and embedder else None


def _idle_work(*steps: Preparation | None) -> IdleWork | None:
    """The worker's idle steps that are on, in order."""
    wanted = [step for step in steps if step is not None]
    return IdleWork(*wanted) if wanted else None


def _reranker(
    base_url: str | None, model: str, api_key: str | None, timeout: float
) -> HttpReranker | None:
    """Off unless CCGPT_RERANKER_BASE_URL is set."""
    return HttpReranker(base_url, model, api_key, timeout) if base_url else None


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    # Infrastructure
    clock = providers.Singleton(SystemClock)
    public_suffixes = providers.Singleton(PslPublicSuffixes)
    plans = providers.Singleton(load_plans, settings.provided.plans_file)
    database = providers.Singleton(Database, settings)
    engine = database.provided.engine
    memory_store = providers.Singleton(MemoryStore)
    uow = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(PostgresUnitOfWorkFactory, engine),
        memory=providers.Singleton(InMemoryUnitOfWorkFactory, memory_store),
    )
    retriever = providers.Singleton(
        CachingRetriever,
        providers.Selector(
            settings.provided.storage,
            postgres=providers.Singleton(PostgresRetriever, database.provided.retrieval_engine),
            memory=providers.Singleton(InMemoryRetriever, memory_store),
        ),
        max_entries=settings.provided.retrieval_cache_entries,
    )
    job_queue = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(PostgresJobQueue, engine, clock),
        memory=providers.Singleton(InMemoryJobQueue, memory_store, clock),
    )
    analytics = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(PostgresAnalyticsReadModel, engine),
        memory=providers.Singleton(InMemoryAnalyticsReadModel, memory_store),
    )
    conversation_archive = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(PostgresConversationArchive, engine),
        memory=providers.Singleton(InMemoryConversationArchive, memory_store),
    )
    question_vectors = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(PostgresQuestionVectors, engine),
        memory=providers.Singleton(InMemoryQuestionVectors, memory_store),
    )
    embedder = providers.Singleton(
        CachingEmbedder,
        providers.Selector(
            settings.provided.embedder,
            local=providers.Singleton(
                OnnxEmbedder,
                settings.provided.onnx_model_dir,
                batch_size=settings.provided.embedding_batch_size,
            ),
            torch=providers.Singleton(
                SentenceTransformerEmbedder, batch_size=settings.provided.embedding_batch_size
            ),
            openai=providers.Singleton(
                OpenAIEmbedder,
                base_url=settings.provided.llm_base_url,
                model=settings.provided.embedding_model,
                api_key=settings.provided.llm_api_key,
            ),
            hashing=providers.Singleton(HashingEmbedder),
        ),
        max_entries=settings.provided.query_cache_entries,
    )
    parser = providers.Singleton(
        RoutingDocumentParser,
        isolated=providers.Singleton(
            IsolatedDocumentParser,
            timeout_seconds=settings.provided.parse_timeout_seconds,
            memory_limit_mb=settings.provided.parse_memory_mb,
        ),
        inline=providers.Singleton(InlineDocumentParser),
    )
    reranker = providers.Singleton(
        _reranker,
        base_url=settings.provided.reranker_base_url,
        model=settings.provided.reranker_model,
        api_key=settings.provided.reranker_api_key,
        timeout=settings.provided.reranker_timeout_seconds,
    )
    sentence_vector_store = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(
            PostgresSentenceVectorStore, engine, database.provided.retrieval_engine
        ),
        memory=providers.Singleton(InMemorySentenceVectorStore, memory_store),
    )
    teacher = providers.Singleton(TeacherProcess, settings.provided.teacher_model_dir)
    query_maps = providers.Selector(
        settings.provided.query_map_storage,
        postgres=providers.Singleton(
            PostgresQueryMaps,
            engine,
            database.provided.retrieval_engine,
            sentence_vector_store,
            TEACHER_NAME,
            TEACHER_DIMENSIONS,
        ),
        memory=providers.Singleton(
            InMemoryQueryMaps, memory_store, sentence_vector_store, TEACHER_NAME, TEACHER_DIMENSIONS
        ),
        off=providers.Object(None),
    )
    hybrid_search = providers.Singleton(
        HybridSearch,
        retriever,
        embedder,
        reranker=reranker,
        rerank_depth=settings.provided.rerank_depth,
        query_maps=query_maps,
    )
    # Sentences are chosen by meaning with a real model; the hashing embedder (tests only)
    # carries no meaning, so with it sentences are chosen by shared words alone.
    meaning_embedder = providers.Selector(
        settings.provided.embedder,
        local=embedder,
        torch=embedder,
        openai=embedder,
        hashing=providers.Object(None),
    )
    extractive_model = providers.Singleton(
        ExtractiveChatModel, embedder=meaning_embedder, stored_vectors=sentence_vector_store
    )
    prepare_sentence_vectors = providers.Singleton(
        _sentence_preparer, settings.provided.llm, sentence_vector_store, meaning_embedder
    )
    prepare_query_maps = providers.Selector(
        settings.provided.query_map_storage,
        postgres=providers.Singleton(PrepareQueryMaps, sentence_vector_store, teacher, query_maps),
        memory=providers.Singleton(PrepareQueryMaps, sentence_vector_store, teacher, query_maps),
        off=providers.Object(None),
    )
    # Large workspaces' own vector indexes first: quick, once a workspace, and every search
    # of the workspace gains (in memory, search is an exact scan: nothing to tend).
    tend_vector_indexes = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(
            TendVectorIndexes,
            providers.Singleton(PostgresTenantVectorIndexes, engine, database.provided.current_url),
        ),
        memory=providers.Object(None),
    )
    idle_work = providers.Singleton(
        _idle_work, tend_vector_indexes, prepare_sentence_vectors, prepare_query_maps
    )
    chat_model = providers.Selector(
        settings.provided.llm,
        extractive=extractive_model,
        openai=providers.Singleton(
            FallbackChatModel,
            primary=providers.Singleton(
                OpenAIChatModel,
                base_url=settings.provided.llm_base_url,
                model=settings.provided.llm_model,
                api_key=settings.provided.llm_api_key,
                timeout=settings.provided.llm_timeout_seconds,
            ),
            fallback=extractive_model,
        ),
    )
    answer_policy = providers.Singleton(
        AnswerPolicy, min_similarity=settings.provided.answer_min_similarity
    )
    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.password_hash_time_cost,
        memory_cost_kib=settings.provided.password_hash_memory_kib,
    )
    token_issuer = providers.Singleton(
        PyJWTTokenIssuer,
        secret=providers.Singleton(signing_key, settings),
        clock=clock,
        access_ttl_seconds=settings.provided.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.provided.refresh_token_ttl_seconds,
        widget_ttl_seconds=settings.provided.widget_session_ttl_seconds,
    )
    local_rate_limiter = providers.Singleton(LimitsRateLimiter)
    redis_breaker = providers.Singleton(RedisBreaker, settings.provided.redis_url)
    rate_limiter = providers.Selector(
        settings.provided.shared_state,
        memory=local_rate_limiter,
        redis=providers.Singleton(
            ResilientRateLimiter,
            providers.Singleton(redis_rate_limiter, settings.provided.redis_url),
            local_rate_limiter,
            redis_breaker,
        ),
    )
    socket_registry = providers.Selector(
        settings.provided.shared_state,
        memory=providers.Singleton(InMemorySocketRegistry),
        redis=providers.Singleton(RedisSocketRegistry, settings.provided.redis_url, redis_breaker),
    )
    # With Redis, events cross processes (and degrade to this one while Redis is down); with
    # CCGPT_EVENTS=database, through PostgreSQL NOTIFY; else every socket is in this process.
    shared_realtime = providers.Selector(
        settings.provided.event_bus,
        memory=providers.Singleton(InMemoryRealtime),
        redis=providers.Singleton(RedisRealtime, settings.provided.redis_url, redis_breaker),
        database=providers.Singleton(PostgresRealtime, database.provided.current_url),
    )
    # What requests remember of access, forgotten whenever access changes (any process).
    access_memory = providers.Singleton(AccessMemory)
    realtime = providers.Singleton(ForgetfulRealtime, shared_realtime, access_memory)
    login_limit = providers.Singleton(RateLimit.parse, settings.provided.rate_limit_login)
    widget_limits = providers.Singleton(
        WidgetLimits,
        per_ip=providers.Singleton(RateLimit.parse, settings.provided.rate_limit_ip),
        per_embed_code=providers.Singleton(RateLimit.parse, settings.provided.rate_limit_embed),
    )
    widget_session_tokens = providers.Singleton(WidgetSessionTokens, token_issuer)
    token_pairs = providers.Factory(TokenPairs, token_issuer, clock)
    embedder_warmth = providers.Singleton(EmbedderWarmth, embedder)
    readiness_probes = providers.Dict(
        embedder=embedder_warmth,
        database=providers.Factory(DatabaseProbe, uow),
        redis=providers.Selector(
            settings.provided.shared_state,
            memory=providers.Singleton(NotConfiguredProbe),
            redis=providers.Singleton(RedisProbe, redis_breaker),
        ),
        queue=providers.Factory(QueueProbe, job_queue),
    )

    # Use cases
    check_readiness = providers.Factory(CheckReadiness, readiness_probes)
    authenticate = providers.Singleton(Authenticate, uow, token_issuer, access_memory)
    register_account = providers.Factory(RegisterAccount, uow, password_hasher, token_pairs, clock)
    log_in = providers.Factory(LogIn, uow, password_hasher, token_pairs, rate_limiter, login_limit)
    refresh_session = providers.Factory(
        RefreshSession, uow, token_issuer, token_pairs, clock, realtime
    )
    log_out = providers.Factory(LogOut, uow, token_issuer, clock, realtime)
    get_profile = providers.Factory(GetProfile, uow, access_memory)
    get_workspace = providers.Factory(GetWorkspace, uow, plans, clock)
    rename_workspace = providers.Factory(RenameWorkspace, uow, get_workspace, access_memory)
    change_plan = providers.Factory(ChangePlan, uow, get_workspace, access_memory)
    list_members = providers.Factory(ListMembers, uow)
    add_member = providers.Factory(AddMember, uow, password_hasher, plans, clock)
    change_member_role = providers.Factory(ChangeMemberRole, uow, realtime)
    remove_member = providers.Factory(RemoveMember, uow, realtime)
    create_api_key = providers.Factory(CreateApiKey, uow, clock)
    list_api_keys = providers.Factory(ListApiKeys, uow)
    revoke_api_key = providers.Factory(RevokeApiKey, uow, clock, realtime)
    document_intake = providers.Factory(DocumentIntake, uow, plans, clock)
    upload_document = providers.Factory(
        UploadDocument, document_intake, max_upload_mb=settings.provided.max_upload_mb
    )
    add_text_document = providers.Factory(AddTextDocument, document_intake)
    list_documents = providers.Factory(ListDocuments, uow)
    get_document = providers.Factory(GetDocument, uow)
    list_chunks = providers.Factory(ListChunks, uow)
    reindex_document = providers.Factory(ReindexDocument, uow, clock)
    delete_document = providers.Factory(DeleteDocument, uow)
    search_knowledge = providers.Factory(SearchKnowledge, hybrid_search)
    ingest_document = providers.Factory(
        IngestDocument,
        uow,
        parser,
        embedder,
        clock,
        plans,
        providers.Singleton(
            ParseBudget,
            settings.provided.parse_timeout_seconds,
            settings.provided.parse_memory_mb,
        ),
    )
    answer_turns = providers.Singleton(Turns, settings.provided.answers_at_once)
    drafting = providers.Factory(Drafting, hybrid_search, chat_model, answer_policy, answer_turns)
    answer_recorder = providers.Factory(AnswerRecorder, uow, clock, realtime, answer_turns)
    answer_message = providers.Factory(
        AnswerMessage,
        uow,
        providers.Factory(
            Admission,
            rate_limiter,
            providers.Singleton(RateLimit.parse, settings.provided.rate_limit_workspace),
            plans,
            clock,
        ),
        drafting,
        answer_recorder,
        clock,
        realtime,
        answer_turns,
    )
    list_conversations = providers.Factory(ListConversations, uow)
    read_conversation = providers.Factory(ReadConversation, uow)
    take_over = providers.Factory(TakeOver, uow, realtime)
    release_conversation = providers.Factory(ReleaseConversation, uow, realtime)
    post_agent_message = providers.Factory(PostAgentMessage, uow, clock, realtime)
    create_embed_code = providers.Factory(CreateEmbedCode, uow, plans, clock, public_suffixes)
    list_embed_codes = providers.Factory(ListEmbedCodes, uow)
    get_embed_code = providers.Factory(GetEmbedCode, uow)
    update_embed_code = providers.Factory(UpdateEmbedCode, uow, clock, public_suffixes, realtime)
    rotate_embed_key = providers.Factory(RotateEmbedKey, uow, clock, realtime)
    delete_embed_code = providers.Factory(DeleteEmbedCode, uow, realtime)
    open_widget = providers.Factory(OpenWidget, uow, access_memory)
    check_widget_origin = providers.Singleton(CheckWidgetOrigin, uow)
    start_widget_session = providers.Factory(
        StartWidgetSession,
        uow,
        widget_session_tokens,
        clock,
        rate_limiter,
        widget_limits,
        realtime,
    )
    ask_in_widget = providers.Factory(
        AskInWidget, widget_session_tokens, answer_message, widget_limits
    )
    read_widget_history = providers.Factory(ReadWidgetHistory, uow, widget_session_tokens)
    replay = providers.Factory(Replay, uow)
    read_widget_session = providers.Factory(ReadWidgetSession, uow, widget_session_tokens)
    rate_answer = providers.Factory(RateAnswer, uow, widget_session_tokens, clock)
    request_person = providers.Factory(RequestPerson, uow, widget_session_tokens, realtime)

    answer_orphaned_questions = providers.Factory(
        AnswerOrphanedQuestions, uow, drafting, answer_recorder, clock
    )

    get_analytics_summary = providers.Factory(GetAnalyticsSummary, analytics, clock)
    get_queries_over_time = providers.Factory(GetQueriesOverTime, analytics, clock)
    get_top_queries = providers.Factory(GetTopQueries, analytics, clock)
    get_document_usage = providers.Factory(GetDocumentUsage, analytics, clock)
    get_embed_code_usage = providers.Factory(GetEmbedCodeUsage, analytics, clock)
    get_answer_quality = providers.Factory(GetAnswerQuality, analytics, clock)
    find_content_gaps = providers.Factory(
        FindContentGaps, analytics, question_vectors, embedder, retriever, clock
    )
    export_conversations = providers.Factory(ExportConversations, conversation_archive)
    export_visitor = providers.Factory(ExportVisitor, conversation_archive)
    erase_visitor = providers.Factory(EraseVisitor, conversation_archive)
    change_retention = providers.Factory(ChangeRetention, uow, get_workspace)
    apply_retention = providers.Factory(ApplyRetention, conversation_archive, clock)

    # Inbound drivers
    orphan_sweeper = providers.Singleton(OrphanSweeper, answer_orphaned_questions)
    access_listener = providers.Singleton(AccessListener, shared_realtime, access_memory)
    ingestion_worker = providers.Factory(
        IngestionWorker,
        job_queue,
        ingest_document,
        providers.Factory(AbandonIngestion, uow, clock),
        concurrency=settings.provided.ingestion_concurrency,
        lease_seconds=settings.provided.job_lease_seconds,
        poll_seconds=settings.provided.job_poll_seconds,
        prepare=idle_work,
    )

    retention_sweeper = providers.Singleton(
        RetentionSweeper,
        apply_retention,
        interval_seconds=settings.provided.retention_sweep_seconds,
    )


def build_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    _settle_selectors(container)
    return container


def _settle_selectors(container: Container) -> None:
    """Settings do not change once the container is built, so each `Selector` is pointed at
    the provider its setting picks: a call no longer reads the setting through a chain of
    providers (~1.2 us each time a use case is made, per selector it depends on; issue 14).
    A test's `override` still wins over this one."""
    for selector in container.traverse(types=[providers.Selector]):
        pick: Any = selector.selector
        chosen = selector.providers.get(pick())
        if chosen is not None:  # none: calling it fails as it would have
            selector.override(chosen)


async def start(container: Container) -> None:
    """What must run before the first request: the database (embedded, migrated)."""
    await container.database().start()


async def stop(container: Container) -> None:
    """Closes what the container opened, the database last."""
    closables = [container.embedder(), container.shared_realtime(), container.reranker()]
    if container.settings().query_map_storage != "off":
        await container.teacher().release()
    if container.settings().redis_url:
        closables += [container.socket_registry(), container.redis_breaker()]
    for closable in closables:
        close = getattr(closable, "aclose", None)
        if close is not None:
            await close()
    await container.database().stop()
