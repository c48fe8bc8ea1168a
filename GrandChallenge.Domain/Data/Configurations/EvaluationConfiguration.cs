using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class PhaseConfiguration : IEntityTypeConfiguration<Phase>
{
    public void Configure(EntityTypeBuilder<Phase> builder)
    {
        builder.Property(p => p.Title).HasMaxLength(64);
        builder.Property(p => p.Slug).HasMaxLength(64);
        builder.Property(p => p.SubmissionKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.SupplementaryFileChoice).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.SupplementaryUrlChoice).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.CommentChoice).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.ScoreTitle).HasMaxLength(64);
        builder.Property(p => p.ScorePath).HasMaxLength(255);
        builder.Property(p => p.ScoreErrorPath).HasMaxLength(255);
        builder.Property(p => p.ScoreOrder).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.ScoringMethod).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.ResultDisplay).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.ExtraResultColumns).AsJson();
        builder.Property(p => p.AlgorithmInterfaceIds).AsJson();
        builder.HasOne<Archive>().WithMany().HasForeignKey(p => p.ArchiveId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Challenge>().WithMany().HasForeignKey(p => p.ChallengeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Phase>().WithMany().HasForeignKey(p => p.ParentId).OnDelete(DeleteBehavior.NoAction);
        builder.HasIndex(p => new { p.ChallengeId, p.Slug }).IsUnique();
        builder.HasIndex(p => new { p.ChallengeId, p.Title }).IsUnique();
    }
}

public sealed class GroundTruthConfiguration : IEntityTypeConfiguration<GroundTruth>
{
    public void Configure(EntityTypeBuilder<GroundTruth> builder)
    {
        builder.Property(g => g.Filename).HasMaxLength(255);
        builder.Property(g => g.BlobKey).HasMaxLength(300);
        builder.Property(g => g.Sha256).HasMaxLength(64);
        builder.Property(g => g.Comment).HasMaxLength(1000);
        builder.HasOne<Phase>().WithMany().HasForeignKey(g => g.PhaseId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(g => g.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(g => new { g.PhaseId, g.IsDesiredVersion });
    }
}

public sealed class SubmissionConfiguration : IEntityTypeConfiguration<Submission>
{
    public void Configure(EntityTypeBuilder<Submission> builder)
    {
        builder.Property(s => s.PredictionsFilename).HasMaxLength(255);
        builder.Property(s => s.Comment).HasMaxLength(128);
        builder.Property(s => s.SupplementaryUrl).HasMaxLength(2000);
        builder.Property(s => s.SupplementaryFileBlobKey).HasMaxLength(300);
        builder.Property(s => s.SupplementaryFilename).HasMaxLength(255);
        builder.HasOne<Phase>().WithMany().HasForeignKey(s => s.PhaseId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(s => s.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Team>().WithMany().HasForeignKey(s => s.TeamId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<SocketValue>().WithMany().HasForeignKey(s => s.PredictionsValueId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<ContainerImage>().WithMany().HasForeignKey(s => s.AlgorithmImageId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<AlgorithmModel>().WithMany().HasForeignKey(s => s.AlgorithmModelId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(s => new { s.PhaseId, s.CreatorId, s.Created });
        builder.HasIndex(s => new { s.PhaseId, s.TeamId, s.Created });
    }
}

public sealed class EvaluationConfiguration : IEntityTypeConfiguration<Evaluation>
{
    public void Configure(EntityTypeBuilder<Evaluation> builder)
    {
        builder.HasOne<Submission>().WithMany().HasForeignKey(e => e.SubmissionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Phase>().WithMany().HasForeignKey(e => e.PhaseId).OnDelete(DeleteBehavior.NoAction);
        builder.HasOne<ContainerImage>().WithMany().HasForeignKey(e => e.MethodId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<GroundTruth>().WithMany().HasForeignKey(e => e.GroundTruthId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<ComponentJob>().WithOne().HasForeignKey<Evaluation>(e => e.JobId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(e => new { e.PhaseId, e.Created });
    }
}

public sealed class PhaseRankingConfiguration : IEntityTypeConfiguration<PhaseRanking>
{
    public void Configure(EntityTypeBuilder<PhaseRanking> builder)
    {
        builder.HasKey(r => r.PhaseId);
        builder.HasOne<Phase>().WithOne().HasForeignKey<PhaseRanking>(r => r.PhaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> builder)
    {
        builder.Property(n => n.Message).HasMaxLength(1000);
        builder.Property(n => n.Link).HasMaxLength(500);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(n => new { n.UserId, n.Read, n.Created });
    }
}
