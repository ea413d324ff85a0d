"""The dependency-injector container: adapters chosen by settings, use cases wired to ports."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.inbound.retention_sweeper import RetentionSweeper
from adapters.inbound.worker import IngestionWorker
from adapters.outbound.argon2.password_hasher import Argon2PasswordHasher
from adapters.outbound.embeddings.hashing import HashingEmbedder
from adapters.outbound.embeddings.local import SentenceTransformerEmbedder
from adapters.outbound.embeddings.openai import OpenAIEmbedder
from adapters.outbound.jwt.token_issuer import PyJWTTokenIssuer
from adapters.outbound.llm.extractive import ExtractiveChatModel
from adapters.outbound.llm.fallback import FallbackChatModel
from adapters.outbound.llm.openai_chat import OpenAIChatModel
from adapters.outbound.memory.analytics import InMemoryAnalyticsReadModel
from adapters.outbound.memory.conversation_archive import InMemoryConversationArchive
from adapters.outbound.memory.knowledge import InMemoryJobQueue, InMemoryRetriever
from adapters.outbound.memory.question_vectors import InMemoryQuestionVectors
from adapters.outbound.memory.store import MemoryStore
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.parsing.isolated import InlineDocumentParser, IsolatedDocumentParser
from adapters.outbound.parsing.routing import RoutingDocumentParser
from adapters.outbound.postgres.analytics import PostgresAnalyticsReadModel
from adapters.outbound.postgres.conversation_archive import PostgresConversationArchive
from adapters.outbound.postgres.job_queue import PostgresJobQueue
from adapters.outbound.postgres.question_vectors import PostgresQuestionVectors
from adapters.outbound.postgres.retriever import PostgresRetriever
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from adapters.outbound.probes import DatabaseProbe, QueueProbe
from adapters.outbound.publicsuffix.public_suffixes import PslPublicSuffixes
from adapters.outbound.system_clock import SystemClock
from application.answering import AnswerPolicy
from application.ports.rate_limiter import RateLimit
from application.search import HybridSearch
from application.token_pairs import TokenPairs
from application.use_cases.add_document import AddDocument
from application.use_cases.answer_message import AnswerMessage
from application.use_cases.api_keys import CreateApiKey, ListApiKeys, RevokeApiKey
from application.use_cases.apply_retention import ApplyRetention
from application.use_cases.authenticate import Authenticate
from application.use_cases.change_member_role import ChangeMemberRole
from application.use_cases.change_retention import ChangeRetention
from application.use_cases.check_readiness import CheckReadiness
from application.use_cases.conversations import HandOver, PostAgentMessage, ReadConversations
from application.use_cases.embed_codes import ChangeEmbedCode, CreateEmbedCode, ReadEmbedCodes
from application.use_cases.erase_visitor import EraseVisitor
from application.use_cases.export_conversations import ExportConversations
from application.use_cases.export_visitor import ExportVisitor
from application.use_cases.find_content_gaps import FindContentGaps
from application.use_cases.get_analytics_summary import GetAnalyticsSummary
from application.use_cases.get_answer_quality import GetAnswerQuality
from application.use_cases.get_document_usage import GetDocumentUsage
from application.use_cases.get_embed_code_usage import GetEmbedCodeUsage
from application.use_cases.get_profile import GetProfile
from application.use_cases.get_queries_over_time import GetQueriesOverTime
from application.use_cases.get_top_queries import GetTopQueries
from application.use_cases.get_workspace import GetWorkspace
from application.use_cases.ingest_document import IngestDocument
from application.use_cases.log_in import LogIn
from application.use_cases.log_out import LogOut
from application.use_cases.manage_documents import DeleteDocument, ReadDocuments, ReindexDocument
from application.use_cases.members import AddMember, ListMembers
from application.use_cases.refresh_session import RefreshSession
from application.use_cases.register_account import RegisterAccount
from application.use_cases.remove_member import RemoveMember
from application.use_cases.search_knowledge import SearchKnowledge
from application.use_cases.update_workspace import ChangePlan, RenameWorkspace
from application.use_cases.widget import (
    OpenWidget,
    StartWidgetSession,
    WidgetChat,
    WidgetLimits,
    WidgetSessionTokens,
)
from bootstrap.database import database_engine
from bootstrap.limits import rate_limiter as rate_limiter_for
from bootstrap.limits import redis_probe
from bootstrap.plans import load_plans
from bootstrap.realtime import realtime_bus
from bootstrap.secrets import signing_key
from bootstrap.settings import Settings
from domain.plans import ParseBudget


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    # Infrastructure
    clock = providers.Singleton(SystemClock)
    public_suffixes = providers.Singleton(PslPublicSuffixes)
    plans = providers.Singleton(load_plans, settings.provided.plans_file)
    engine = providers.Resource(database_engine, settings)
    memory_store = providers.Singleton(MemoryStore)
    uow = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(PostgresUnitOfWorkFactory, engine),
        memory=providers.Singleton(InMemoryUnitOfWorkFactory, memory_store),
    )
    retriever = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(PostgresRetriever, engine),
        memory=providers.Singleton(InMemoryRetriever, memory_store),
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
    embedder = providers.Selector(
        settings.provided.embedder,
        local=providers.Singleton(
            SentenceTransformerEmbedder, batch_size=settings.provided.embedding_batch_size
        ),
        openai=providers.Singleton(
            OpenAIEmbedder,
            base_url=settings.provided.llm_base_url,
            model=settings.provided.embedding_model,
            api_key=settings.provided.llm_api_key,
        ),
        hashing=providers.Singleton(HashingEmbedder),
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
    hybrid_search = providers.Singleton(HybridSearch, retriever, embedder)
    extractive_model = providers.Singleton(ExtractiveChatModel)
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
    rate_limiter = providers.Singleton(rate_limiter_for, settings)
    realtime = providers.Singleton(realtime_bus, settings)
    login_limit = providers.Singleton(RateLimit.parse, settings.provided.rate_limit_login)
    widget_limits = providers.Singleton(
        WidgetLimits,
        per_ip=providers.Singleton(RateLimit.parse, settings.provided.rate_limit_ip),
        per_embed_code=providers.Singleton(RateLimit.parse, settings.provided.rate_limit_embed),
    )
    widget_session_tokens = providers.Singleton(WidgetSessionTokens, token_issuer)
    token_pairs = providers.Factory(TokenPairs, token_issuer, clock)
    readiness_probes = providers.Dict(
        database=providers.Factory(DatabaseProbe, uow),
        redis=providers.Singleton(redis_probe, settings),
        queue=providers.Factory(QueueProbe, job_queue),
    )

    # Use cases
    check_readiness = providers.Factory(CheckReadiness, readiness_probes)
    authenticate = providers.Singleton(Authenticate, uow, token_issuer)
    register_account = providers.Factory(RegisterAccount, uow, password_hasher, token_pairs, clock)
    log_in = providers.Factory(LogIn, uow, password_hasher, token_pairs, rate_limiter, login_limit)
    refresh_session = providers.Factory(
        RefreshSession, uow, token_issuer, token_pairs, clock, realtime
    )
    log_out = providers.Factory(LogOut, uow, token_issuer, clock, realtime)
    get_profile = providers.Factory(GetProfile, uow)
    get_workspace = providers.Factory(GetWorkspace, uow, plans, clock)
    rename_workspace = providers.Factory(RenameWorkspace, uow, get_workspace)
    change_plan = providers.Factory(ChangePlan, uow, get_workspace)
    list_members = providers.Factory(ListMembers, uow)
    add_member = providers.Factory(AddMember, uow, password_hasher, plans, clock)
    change_member_role = providers.Factory(ChangeMemberRole, uow, realtime)
    remove_member = providers.Factory(RemoveMember, uow, realtime)
    create_api_key = providers.Factory(CreateApiKey, uow, clock)
    list_api_keys = providers.Factory(ListApiKeys, uow)
    revoke_api_key = providers.Factory(RevokeApiKey, uow, clock, realtime)
    add_document = providers.Factory(
        AddDocument, uow, plans, clock, max_upload_mb=settings.provided.max_upload_mb
    )
    read_documents = providers.Factory(ReadDocuments, uow)
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
    answer_message = providers.Factory(
        AnswerMessage,
        uow,
        hybrid_search,
        chat_model,
        clock,
        plans,
        rate_limiter,
        providers.Singleton(RateLimit.parse, settings.provided.rate_limit_workspace),
        realtime,
        answer_policy,
    )
    read_conversations = providers.Factory(ReadConversations, uow)
    hand_over = providers.Factory(HandOver, uow, realtime)
    post_agent_message = providers.Factory(PostAgentMessage, uow, clock, realtime)
    create_embed_code = providers.Factory(CreateEmbedCode, uow, plans, clock, public_suffixes)
    read_embed_codes = providers.Factory(ReadEmbedCodes, uow)
    change_embed_code = providers.Factory(ChangeEmbedCode, uow, clock, public_suffixes, realtime)
    open_widget = providers.Factory(OpenWidget, uow)
    start_widget_session = providers.Factory(
        StartWidgetSession,
        uow,
        widget_session_tokens,
        clock,
        rate_limiter,
        widget_limits,
        realtime,
    )
    widget_chat = providers.Factory(
        WidgetChat, uow, widget_session_tokens, clock, answer_message, widget_limits, realtime
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
    ingestion_worker = providers.Factory(
        IngestionWorker,
        job_queue,
        ingest_document,
        concurrency=settings.provided.ingestion_concurrency,
        lease_seconds=settings.provided.job_lease_seconds,
        poll_seconds=settings.provided.job_poll_seconds,
    )

    retention_sweeper = providers.Singleton(
        RetentionSweeper,
        apply_retention,
        interval_seconds=settings.provided.retention_sweep_seconds,
    )


def build_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    return container
