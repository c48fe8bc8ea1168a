using System.ComponentModel.DataAnnotations;
using GrandChallenge.Domain.Uploads;

namespace GrandChallenge.Tests.Domain.Uploads;

[Trait("Category", "Unit")]
public sealed class UploadOptionsTests
{
    [Fact]
    public void The_defaults_are_valid_and_match_the_documented_limits()
    {
        var options = new UploadOptions();

        Validate(options).Should().BeEmpty();
        options.MaxUploadBytes.Should().Be(10L * 1024 * 1024 * 1024);
        options.MaxBytesPerUser.Should().Be(50L * 1024 * 1024 * 1024);
        options.MaxPartBytes.Should().Be(100L * 1024 * 1024);
        options.MaxUploadsPerUser.Should().Be(2000);
        options.ExpireAfter.Should().Be(TimeSpan.FromDays(1));
        options.PresignedUrlLifetime.Should().Be(TimeSpan.FromHours(1));
    }

    [Fact]
    public void Zero_limits_and_non_positive_durations_are_refused_with_the_setting_named()
    {
        var limits = Validate(new UploadOptions { MaxPartBytes = 0, MaxUploadsPerUser = 0 });
        var durations = Validate(new UploadOptions { ExpireAfter = TimeSpan.Zero, PresignedUrlLifetime = TimeSpan.FromSeconds(-1) });

        limits.SelectMany(e => e.MemberNames).Should().BeEquivalentTo(nameof(UploadOptions.MaxPartBytes), nameof(UploadOptions.MaxUploadsPerUser));
        durations.SelectMany(e => e.MemberNames).Should().BeEquivalentTo(nameof(UploadOptions.ExpireAfter), nameof(UploadOptions.PresignedUrlLifetime));
        durations.Select(e => e.ErrorMessage).Should().Contain(m => m!.StartsWith("Uploads:ExpireAfter must be positive"));
    }

    private static List<ValidationResult> Validate(UploadOptions options)
    {
        // As ValidateDataAnnotations does: the attributes first, then (if they pass) IValidatableObject.
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
