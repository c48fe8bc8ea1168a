using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using GrandChallenge.Domain.Uploads;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Data;

/// <summary>
/// The platform's model. Each database provider has a subclass of its own so that each keeps its
/// migrations in its own folder (<c>Data/Migrations/&lt;Provider&gt;</c>).
/// </summary>
public abstract class AppDbContext(DbContextOptions options)
    : IdentityDbContext<ApplicationUser, IdentityRole<Guid>, Guid>(options)
{
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<ObjectRole> ObjectRoles => Set<ObjectRole>();
    public DbSet<UserGroup> UserGroups => Set<UserGroup>();
    public DbSet<UserGroupMember> UserGroupMembers => Set<UserGroupMember>();
    public DbSet<Challenge> Challenges => Set<Challenge>();
    public DbSet<ChallengeRequest> ChallengeRequests => Set<ChallengeRequest>();
    public DbSet<ChallengePage> ChallengePages => Set<ChallengePage>();
    public DbSet<RegistrationRequest> RegistrationRequests => Set<RegistrationRequest>();
    public DbSet<RegistrationQuestion> RegistrationQuestions => Set<RegistrationQuestion>();
    public DbSet<RegistrationAnswer> RegistrationAnswers => Set<RegistrationAnswer>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<TeamInvitation> TeamInvitations => Set<TeamInvitation>();
    public DbSet<Phase> Phases => Set<Phase>();
    public DbSet<GroundTruth> GroundTruths => Set<GroundTruth>();
    public DbSet<Submission> Submissions => Set<Submission>();
    public DbSet<Evaluation> Evaluations => Set<Evaluation>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<ComponentJob> ComponentJobs => Set<ComponentJob>();
    public DbSet<ComponentJobValue> ComponentJobValues => Set<ComponentJobValue>();
    public DbSet<Socket> Sockets => Set<Socket>();
    public DbSet<SocketValue> SocketValues => Set<SocketValue>();

    public DbSet<UserUpload> UserUploads => Set<UserUpload>();
    public DbSet<UploadPart> UploadParts => Set<UploadPart>();
    public DbSet<ContainerImage> ContainerImages => Set<ContainerImage>();
    public DbSet<Image> Images => Set<Image>();
    public DbSet<PhaseRanking> PhaseRankings => Set<PhaseRanking>();
    public DbSet<ImageFile> ImageFiles => Set<ImageFile>();
    public DbSet<UploadSession> UploadSessions => Set<UploadSession>();
    public DbSet<Archive> Archives => Set<Archive>();
    public DbSet<ArchiveItem> ArchiveItems => Set<ArchiveItem>();
    public DbSet<ArchiveItemValue> ArchiveItemValues => Set<ArchiveItemValue>();
    public DbSet<Algorithm> Algorithms => Set<Algorithm>();
    public DbSet<AlgorithmInterface> AlgorithmInterfaces => Set<AlgorithmInterface>();
    public DbSet<AlgorithmModel> AlgorithmModels => Set<AlgorithmModel>();
    public DbSet<AlgorithmJob> AlgorithmJobs => Set<AlgorithmJob>();
    public DbSet<AlgorithmJobViewer> AlgorithmJobViewers => Set<AlgorithmJobViewer>();
    public DbSet<AlgorithmJobUpload> AlgorithmJobUploads => Set<AlgorithmJobUpload>();
    public DbSet<EvaluationAlgorithmJob> EvaluationAlgorithmJobs => Set<EvaluationAlgorithmJob>();
    public DbSet<AlgorithmPermissionRequest> AlgorithmPermissionRequests => Set<AlgorithmPermissionRequest>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }
}

public sealed class SqliteAppDbContext(DbContextOptions options) : AppDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no DateTimeOffset type; as UTC ticks the values sort and compare in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
    }
}

public sealed class PostgreSqlAppDbContext(DbContextOptions options) : AppDbContext(options);

public sealed class SqlServerAppDbContext(DbContextOptions options) : AppDbContext(options);

public sealed class DateTimeOffsetToUtcTicksConverter()
    : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));
