using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class AlgorithmConfiguration : IEntityTypeConfiguration<Algorithm>
{
    public void Configure(EntityTypeBuilder<Algorithm> builder)
    {
        builder.Property(a => a.Title).HasMaxLength(Algorithm.MaxTitleLength);
        builder.Property(a => a.Slug).HasMaxLength(Algorithm.MaxSlugLength);
        builder.Property(a => a.Description).HasMaxLength(1024);
        builder.Property(a => a.LogoBlobKey).HasMaxLength(300);
        builder.Property(a => a.AccessRequestHandling).HasConversion<string>().HasMaxLength(32);
        builder.Property(a => a.InterfaceIds).AsJson();
        builder.HasIndex(a => a.Slug).IsUnique();
        builder.HasIndex(a => a.Title);
        builder.HasIndex(a => new { a.PhaseId, a.CreatorId });
        builder.HasOne<Phase>().WithMany().HasForeignKey(a => a.PhaseId).OnDelete(DeleteBehavior.NoAction);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(a => a.CreatorId).OnDelete(DeleteBehavior.SetNull);
    }
}

public sealed class AlgorithmInterfaceConfiguration : IEntityTypeConfiguration<AlgorithmInterface>
{
    public void Configure(EntityTypeBuilder<AlgorithmInterface> builder)
    {
        builder.Property(i => i.InputSocketIds).AsJson();
        builder.Property(i => i.OutputSocketIds).AsJson();
        builder.Property(i => i.Key).HasMaxLength(1000);
        builder.HasIndex(i => i.Key).IsUnique();
    }
}

public sealed class AlgorithmModelConfiguration : IEntityTypeConfiguration<AlgorithmModel>
{
    public void Configure(EntityTypeBuilder<AlgorithmModel> builder)
    {
        builder.Property(m => m.BlobKey).HasMaxLength(300);
        builder.Property(m => m.Filename).HasMaxLength(255);
        builder.Property(m => m.Sha256).HasMaxLength(64);
        builder.Property(m => m.Comment).HasMaxLength(1000);
        builder.HasOne<Algorithm>().WithMany().HasForeignKey(m => m.AlgorithmId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(m => m.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(m => new { m.AlgorithmId, m.Sha256 }).IsUnique();
    }
}

public sealed class AlgorithmJobConfiguration : IEntityTypeConfiguration<AlgorithmJob>
{
    public void Configure(EntityTypeBuilder<AlgorithmJob> builder)
    {
        builder.HasKey(j => j.JobId);
        builder.Property(j => j.Comment).HasMaxLength(1000);
        builder.Property(j => j.InputsKey).HasMaxLength(2000);
        builder.HasOne<ComponentJob>().WithOne().HasForeignKey<AlgorithmJob>(j => j.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Algorithm>().WithMany().HasForeignKey(j => j.AlgorithmId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<ContainerImage>().WithMany().HasForeignKey(j => j.AlgorithmImageId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<AlgorithmModel>().WithMany().HasForeignKey(j => j.AlgorithmModelId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<AlgorithmInterface>().WithMany().HasForeignKey(j => j.InterfaceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(j => j.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Evaluation>().WithMany().HasForeignKey(j => j.EvaluationId).OnDelete(DeleteBehavior.NoAction);
        // The item id is a record of what the job ran on; items may be deleted later, the job's own values stay.
        builder.HasIndex(j => new { j.AlgorithmId, j.Created });
        builder.HasIndex(j => new { j.CreatorId, j.Created });
        builder.HasIndex(j => new { j.AlgorithmImageId, j.AlgorithmModelId, j.InputsKey });
        builder.HasIndex(j => j.EvaluationId);
    }
}

public sealed class EvaluationAlgorithmJobConfiguration : IEntityTypeConfiguration<EvaluationAlgorithmJob>
{
    public void Configure(EntityTypeBuilder<EvaluationAlgorithmJob> builder)
    {
        builder.HasKey(l => new { l.EvaluationId, l.JobId });
        builder.HasOne<Evaluation>().WithMany().HasForeignKey(l => l.EvaluationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AlgorithmJob>().WithMany().HasForeignKey(l => l.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(l => l.JobId);
    }
}

public sealed class AlgorithmJobUploadConfiguration : IEntityTypeConfiguration<AlgorithmJobUpload>
{
    public void Configure(EntityTypeBuilder<AlgorithmJobUpload> builder)
    {
        builder.HasKey(u => new { u.JobId, u.SocketId });
        builder.HasOne<AlgorithmJob>().WithMany().HasForeignKey(u => u.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Socket>().WithMany().HasForeignKey(u => u.SocketId).OnDelete(DeleteBehavior.Restrict);
        // Sessions end and are cleaned up; the row stays as the record of where the input came from.
        builder.HasIndex(u => u.UploadSessionId);
    }
}

public sealed class AlgorithmJobViewerConfiguration : IEntityTypeConfiguration<AlgorithmJobViewer>
{
    public void Configure(EntityTypeBuilder<AlgorithmJobViewer> builder)
    {
        builder.HasKey(v => new { v.JobId, v.UserId });
        builder.HasOne<AlgorithmJob>().WithMany().HasForeignKey(v => v.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(v => v.UserId);
    }
}

public sealed class AlgorithmPermissionRequestConfiguration : IEntityTypeConfiguration<AlgorithmPermissionRequest>
{
    public void Configure(EntityTypeBuilder<AlgorithmPermissionRequest> builder)
    {
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.HasOne<Algorithm>().WithMany().HasForeignKey(r => r.AlgorithmId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.AlgorithmId, r.UserId }).IsUnique();
    }
}
