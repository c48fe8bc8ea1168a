using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Domain.Algorithms;

/// <summary>The algorithm service of the real host: creation rules, settings, members, interfaces and access requests.</summary>
public abstract class AlgorithmServiceTests(AppFixture fixture) : IAsyncLifetime
{
    private static readonly InterfaceDraft ImageToOverlay = new([DefaultSockets.GenericMedicalImage], [DefaultSockets.GenericOverlay]);

    private GrandChallengeAppFactory App => fixture.App;

    private T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    private IAlgorithmService Algorithms => Service<IAlgorithmService>();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public Task InitializeAsync() => DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Actor> UserAsync(string prefix = "user", bool siteAdmin = false, bool emailConfirmed = false)
    {
        var user = await App.CreateUserAsync(Unique(prefix), siteAdmin);
        if (emailConfirmed)
        {
            await using var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext();
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.EmailConfirmed, true));
        }

        return new Actor(user.Id, siteAdmin);
    }

    private string NameOf(Actor actor) => App.Db(db => db.Users.Single(u => u.Id == actor.UserId).UserName!);

    private async Task<(Algorithm Algorithm, Actor Editor)> AlgorithmAsync(
        bool isPublic = false, AccessRequestHandling handling = AccessRequestHandling.ManualReview)
    {
        var editor = await UserAsync("editor");
        var created = await Algorithms.CreateAsync(editor,
            new NewAlgorithm($"Algorithm {Guid.NewGuid():N}", [ImageToOverlay], Public: isPublic, AccessRequestHandling: handling));
        created.Succeeded.Should().BeTrue(created.Error);
        return (created.Value!, editor);
    }

    private async Task<Socket> JsonSocketAsync()
    {
        var title = $"Algo value {Guid.NewGuid():N}"[..28];
        var result = await Service<ISocketService>().CreateAsync(new Actor(Guid.NewGuid(), true),
            new SocketDraft(title, "FLT", $"{title.Replace(' ', '-').ToLowerInvariant()}.json", StoreInDatabase: true));
        return result.Value ?? throw new InvalidOperationException(result.Error);
    }

    private int AlgorithmCount() => App.Db(db => db.Algorithms.Count());

    [Fact]
    public async Task Creating_makes_the_slug_from_the_title_takes_the_defaults_and_makes_the_creator_editor()
    {
        var creator = await UserAsync("creator");
        var title = $"Lung Nodule Detector {Guid.NewGuid():N}"[..30];
        var result = await Algorithms.CreateAsync(creator, new NewAlgorithm(title, [ImageToOverlay], Description: "Finds nodules"));

        result.Succeeded.Should().BeTrue(result.Error);
        var algorithm = result.Value!;
        algorithm.Slug.Should().Be(title.ToLowerInvariant().Replace(' ', '-'));
        algorithm.TimeLimitSeconds.Should().Be(3600);
        algorithm.MemoryGb.Should().Be(8);
        algorithm.RequiresGpu.Should().BeFalse();
        algorithm.AccessRequestHandling.Should().Be(AccessRequestHandling.ManualReview);
        algorithm.InterfaceIds.Should().ContainSingle();

        var context = await Algorithms.FindAsync(creator, algorithm.Slug);
        context!.IsEditor.Should().BeTrue();
        var interfaces = await Algorithms.InterfacesAsync(algorithm);
        interfaces.Single().Inputs.Select(s => s.Slug).Should().Equal(DefaultSockets.GenericMedicalImage);
        interfaces.Single().Outputs.Select(s => s.Slug).Should().Equal(DefaultSockets.GenericOverlay);
    }

    [Fact]
    public async Task Anonymous_visitors_cannot_create_algorithms()
    {
        var before = AlgorithmCount();
        var result = await Algorithms.CreateAsync(Actor.Anonymous, new NewAlgorithm("Nope", [ImageToOverlay]));
        result.Kind.Should().Be(FailureKind.Forbidden);
        AlgorithmCount().Should().Be(before);
    }

    [Theory]
    [InlineData("", null, 3600, 8, "title")]
    [InlineData("Fine title", "create", 3600, 8, "slug")]
    [InlineData("Fine title", "jobs", 3600, 8, "slug")]
    [InlineData("Fine title", "Not A Slug!", 3600, 8, "slug")]
    [InlineData("Fine title", null, 299, 8, "time_limit")]
    [InlineData("Fine title", null, 86_401, 8, "time_limit")]
    [InlineData("Fine title", null, 3600, 3, "job_requires_memory_gb")]
    [InlineData("Fine title", null, 3600, 33, "job_requires_memory_gb")]
    public async Task Bad_fields_are_refused_by_name_and_nothing_is_created(string title, string? slug, int timeLimit, int memory, string field)
    {
        var creator = await UserAsync();
        var before = AlgorithmCount();
        var result = await Algorithms.CreateAsync(creator, new NewAlgorithm(title, [ImageToOverlay], slug, TimeLimitSeconds: timeLimit, MemoryGb: memory));

        result.Succeeded.Should().BeFalse();
        result.FieldErrors.Should().ContainKey(field);
        AlgorithmCount().Should().Be(before);
    }

    [Fact]
    public async Task The_limits_at_their_edges_are_accepted()
    {
        var creator = await UserAsync();
        foreach (var (time, memory) in new[] { (300, 4), (86_400, 32) })
        {
            var result = await Algorithms.CreateAsync(creator, new NewAlgorithm($"Edge {Guid.NewGuid():N}", [ImageToOverlay], TimeLimitSeconds: time, MemoryGb: memory, RequiresGpu: true));
            result.Succeeded.Should().BeTrue(result.Error);
            (result.Value!.TimeLimitSeconds, result.Value.MemoryGb, result.Value.RequiresGpu).Should().Be((time, memory, true));
        }
    }

    [Fact]
    public async Task A_taken_slug_is_refused()
    {
        var (existing, _) = await AlgorithmAsync();
        var result = await Algorithms.CreateAsync(await UserAsync(), new NewAlgorithm("Another", [ImageToOverlay], existing.Slug));
        result.FieldErrors!["slug"].Single().Should().Contain("already exists");
    }

    [Fact]
    public async Task Interfaces_must_be_given_valid_and_with_distinct_input_sets()
    {
        var creator = await UserAsync();
        var before = AlgorithmCount();

        (await Algorithms.CreateAsync(creator, new NewAlgorithm("No interfaces", []))).FieldErrors.Should().ContainKey("interfaces");
        (await Algorithms.CreateAsync(creator, new NewAlgorithm("Unknown socket", [new(["no-such-socket"], [DefaultSockets.GenericOverlay])])))
            .FieldErrors!["interfaces"].Single().Should().Contain("no-such-socket");
        (await Algorithms.CreateAsync(creator, new NewAlgorithm("Reserved", [new([DefaultSockets.GenericMedicalImage], [DefaultSockets.MetricsJsonFile])])))
            .FieldErrors!["interfaces"].Single().Should().Contain("reserved");
        (await Algorithms.CreateAsync(creator, new NewAlgorithm("Both sides", [new([DefaultSockets.GenericMedicalImage], [DefaultSockets.GenericMedicalImage])])))
            .FieldErrors.Should().ContainKey("interfaces");
        var json = await JsonSocketAsync();
        (await Algorithms.CreateAsync(creator, new NewAlgorithm("Same inputs", [ImageToOverlay, new([DefaultSockets.GenericMedicalImage], [json.Slug])])))
            .FieldErrors!["interfaces"].Single().Should().Contain("input sets must differ");

        AlgorithmCount().Should().Be(before);
    }

    [Fact]
    public async Task Editors_add_interfaces_with_new_input_sets_only()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var json = await JsonSocketAsync();

        var sameInputs = await Algorithms.AddInterfaceAsync(editor, algorithm.Id, new([DefaultSockets.GenericMedicalImage], [json.Slug]));
        sameInputs.FieldErrors.Should().ContainKey("interfaces");
        (await Algorithms.AddInterfaceAsync(editor, algorithm.Id, ImageToOverlay)).Error.Should().Contain("already has this interface");

        var added = await Algorithms.AddInterfaceAsync(editor, algorithm.Id, new([DefaultSockets.GenericMedicalImage, json.Slug], [DefaultSockets.GenericOverlay]));
        added.Succeeded.Should().BeTrue(added.Error);
        (await Algorithms.InterfacesAsync(added.Value!)).Should().HaveCount(2);

        var user = await UserAsync();
        (await Algorithms.AddMemberAsync(editor, algorithm.Id, ObjectRoles.User, NameOf(user))).Succeeded.Should().BeTrue();
        (await Algorithms.AddInterfaceAsync(user, algorithm.Id, new([json.Slug], [DefaultSockets.GenericOverlay]))).Kind.Should().Be(FailureKind.Forbidden);
        (await Algorithms.AddInterfaceAsync(await UserAsync(), algorithm.Id, new([json.Slug], [DefaultSockets.GenericOverlay]))).Kind.Should().Be(FailureKind.NotFound);
        App.Db(db => db.Algorithms.Single(a => a.Id == algorithm.Id).InterfaceIds.Count).Should().Be(2);
    }

    [Fact]
    public async Task Only_editors_update_and_bad_settings_change_nothing()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var user = await UserAsync();
        (await Algorithms.AddMemberAsync(editor, algorithm.Id, ObjectRoles.User, NameOf(user))).Succeeded.Should().BeTrue();
        var settings = AlgorithmSettings.Of(algorithm) with { Title = "Renamed", MemoryGb = 16, RequiresGpu = true, Public = true };

        (await Algorithms.UpdateAsync(user, algorithm.Id, settings)).Kind.Should().Be(FailureKind.Forbidden);
        (await Algorithms.UpdateAsync(await UserAsync(), algorithm.Id, settings)).Kind.Should().Be(FailureKind.NotFound);
        var bad = await Algorithms.UpdateAsync(editor, algorithm.Id, settings with { TimeLimitSeconds = 10 });
        bad.FieldErrors.Should().ContainKey("time_limit");
        App.Db(db => db.Algorithms.Single(a => a.Id == algorithm.Id).Title).Should().Be(algorithm.Title);

        var updated = await Algorithms.UpdateAsync(editor, algorithm.Id, settings);
        updated.Succeeded.Should().BeTrue(updated.Error);
        var stored = App.Db(db => db.Algorithms.Single(a => a.Id == algorithm.Id));
        (stored.Title, stored.MemoryGb, stored.RequiresGpu, stored.Public).Should().Be(("Renamed", 16, true, true));
        (await Algorithms.UpdateAsync(new Actor(Guid.NewGuid(), true), algorithm.Id, settings with { Title = "By the site admin" })).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Hidden_algorithms_are_listed_for_members_and_site_admins_only()
    {
        var (hidden, editor) = await AlgorithmAsync();
        var (shown, _) = await AlgorithmAsync(isPublic: true);
        var user = await UserAsync();
        (await Algorithms.AddMemberAsync(editor, hidden.Id, ObjectRoles.User, NameOf(user))).Succeeded.Should().BeTrue();

        foreach (var (actor, sees) in new[] { (Actor.Anonymous, false), (await UserAsync(), false), (user, true), (editor, true), (new Actor(Guid.NewGuid(), true), true) })
        {
            var ids = (await Algorithms.ListVisibleAsync(actor)).Select(a => a.Id).ToList();
            ids.Should().Contain(shown.Id);
            ids.Contains(hidden.Id).Should().Be(sees);
            (await Algorithms.FindAsync(actor, hidden.Slug) is not null).Should().Be(sees);
        }

        (await Algorithms.ListVisibleAsync(Actor.Anonymous, slug: shown.Slug.ToUpperInvariant())).Should().ContainSingle(a => a.Id == shown.Id);
        (await Algorithms.ListVisibleAsync(Actor.Anonymous, search: shown.Title[10..20])).Should().ContainSingle(a => a.Id == shown.Id);
    }

    [Fact]
    public async Task Members_are_added_by_username_and_the_last_editor_stays()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var second = await UserAsync("second");

        (await Algorithms.AddMemberAsync(editor, algorithm.Id, "admin", NameOf(second))).FieldErrors.Should().ContainKey("role");
        (await Algorithms.AddMemberAsync(editor, algorithm.Id, ObjectRoles.User, "nobody-by-this-name")).FieldErrors.Should().ContainKey("username");
        (await Algorithms.RemoveMemberAsync(editor, algorithm.Id, ObjectRoles.Editor, editor.UserId!.Value)).Error.Should().Contain("last editor");

        (await Algorithms.AddMemberAsync(editor, algorithm.Id, ObjectRoles.Editor, NameOf(second))).Succeeded.Should().BeTrue();
        (await Algorithms.AddMemberAsync(editor, algorithm.Id, ObjectRoles.Editor, NameOf(second))).Error.Should().Contain("already");
        (await Algorithms.RemoveMemberAsync(second, algorithm.Id, ObjectRoles.Editor, editor.UserId!.Value)).Succeeded.Should().BeTrue();
        (await Algorithms.FindAsync(editor, algorithm.Slug)).Should().BeNull("the removed editor has no role left on a hidden algorithm");
        var members = (await Algorithms.MembersAsync(second, algorithm.Id)).Value!;
        members.Should().ContainSingle().Which.Role.Should().Be(ObjectRoles.Editor);
    }

    [Fact]
    public async Task Manual_review_waits_for_an_editor_who_is_notified_and_whose_answer_reaches_the_requester()
    {
        var (algorithm, editor) = await AlgorithmAsync(isPublic: true);
        var requester = await UserAsync("requester", emailConfirmed: true);
        var notifications = Service<INotificationService>();

        var request = await Algorithms.RequestAccessAsync(requester, algorithm.Id);
        request.Value!.Status.Should().Be(AccessRequestStatus.Pending);
        (await Algorithms.FindAsync(requester, algorithm.Slug))!.CanExecute.Should().BeFalse();
        (await notifications.ListAsync(editor.UserId!.Value)).Should().Contain(n => n.Message.Contains("asks for access") && n.Message.Contains(algorithm.Title));
        (await Algorithms.RequestAccessAsync(requester, algorithm.Id)).Error.Should().Contain("already asked");

        (await Algorithms.DecideAccessRequestAsync(requester, request.Value.Id, true)).Kind.Should().Be(FailureKind.Forbidden);
        var accepted = await Algorithms.DecideAccessRequestAsync(editor, request.Value.Id, true);
        accepted.Value!.Status.Should().Be(AccessRequestStatus.Accepted);
        (await Algorithms.FindAsync(requester, algorithm.Slug))!.CanExecute.Should().BeTrue();
        (await notifications.ListAsync(requester.UserId!.Value)).Should().Contain(n => n.Message.Contains("was accepted"));

        var rejected = await Algorithms.DecideAccessRequestAsync(editor, request.Value.Id, false);
        rejected.Value!.Status.Should().Be(AccessRequestStatus.Rejected);
        (await Algorithms.FindAsync(requester, algorithm.Slug))!.CanExecute.Should().BeFalse("rejecting takes the user role away again");
        (await Algorithms.RequestAccessAsync(requester, algorithm.Id)).Error.Should().Contain("rejected");
        (await Algorithms.AccessRequestsAsync(editor, algorithm.Id)).Value!.Should().ContainSingle(r => r.UserId == requester.UserId);
    }

    [Fact]
    public async Task Accept_all_accepts_at_once_and_accept_verified_users_only_those_with_a_confirmed_email()
    {
        var (open, _) = await AlgorithmAsync(isPublic: true, handling: AccessRequestHandling.AcceptAll);
        var anyone = await UserAsync();
        (await Algorithms.RequestAccessAsync(anyone, open.Id)).Value!.Status.Should().Be(AccessRequestStatus.Accepted);
        (await Algorithms.FindAsync(anyone, open.Slug))!.CanExecute.Should().BeTrue();
        (await Algorithms.RequestAccessAsync(anyone, open.Id)).Error.Should().Contain("already have access");

        var (verified, _) = await AlgorithmAsync(isPublic: true, handling: AccessRequestHandling.AcceptVerifiedUsers);
        var confirmed = await UserAsync("confirmed", emailConfirmed: true);
        var unconfirmed = await UserAsync("unconfirmed");
        (await Algorithms.RequestAccessAsync(confirmed, verified.Id)).Value!.Status.Should().Be(AccessRequestStatus.Accepted);
        (await Algorithms.RequestAccessAsync(unconfirmed, verified.Id)).Value!.Status.Should().Be(AccessRequestStatus.Pending);
        (await Algorithms.FindAsync(unconfirmed, verified.Slug))!.CanExecute.Should().BeFalse();
    }

    [Fact]
    public async Task Hidden_algorithms_take_no_requests_and_anonymous_visitors_none_at_all()
    {
        var (hidden, _) = await AlgorithmAsync(handling: AccessRequestHandling.AcceptAll);
        var (shown, _) = await AlgorithmAsync(isPublic: true, handling: AccessRequestHandling.AcceptAll);
        (await Algorithms.RequestAccessAsync(await UserAsync(), hidden.Id)).Kind.Should().Be(FailureKind.NotFound);
        (await Algorithms.RequestAccessAsync(Actor.Anonymous, shown.Id)).Kind.Should().Be(FailureKind.Forbidden);
        App.Db(db => db.AlgorithmPermissionRequests.Count(r => r.AlgorithmId == hidden.Id || r.AlgorithmId == shown.Id)).Should().Be(0);
    }

    /// <summary>An algorithm with an editor, a user, a pending request, a model, an imported image and one job of the given status.</summary>
    private async Task<(Algorithm Algorithm, Actor Editor, Actor User, Guid Image, Guid Job)> FurnishedAlgorithmAsync(ComponentJobStatus jobStatus)
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var user = await UserAsync("member");
        (await Algorithms.AddMemberAsync(editor, algorithm.Id, ObjectRoles.User, NameOf(user))).Succeeded.Should().BeTrue();
        var requester = await UserAsync("asker");
        (await Service<IAlgorithmModelService>().UploadAsync(editor, algorithm.Id, AlgorithmModelServiceTests.TarGz(("w.bin", Guid.NewGuid().ToString())), "m.tar.gz", null))
            .Succeeded.Should().BeTrue();
        var blobs = Service<GrandChallenge.Domain.Common.Storage.IBlobStore>();
        var image = new GrandChallenge.Domain.Containers.ContainerImage
        {
            Kind = GrandChallenge.Domain.Containers.ContainerImageKind.Algorithm,
            OwnerId = algorithm.Id,
            Filename = "algorithm.tar",
            BlobKey = "",
            ImportStatus = GrandChallenge.Domain.Containers.ContainerImageImportStatus.Completed,
            IsManifestValid = true,
            IsDesiredVersion = true,
            ImageSha256 = "sha256:" + new string('d', 64),
        };
        image.BlobKey = $"{GrandChallenge.Domain.Containers.ContainerImageService.BlobPrefix(image.Id)}/algorithm.tar";
        await blobs.WriteAsync(image.BlobKey, new MemoryStream([1, 2, 3]));
        // Not to be claimed before the next hour, should the status leave it waiting.
        var job = new ComponentJob
        {
            Kind = ComponentJobKind.Algorithm,
            Status = jobStatus,
            ImageReference = image.ImageSha256,
            ContainerImageId = image.Id,
            CreatorId = user.UserId,
            RetryAfter = DateTimeOffset.UtcNow.AddHours(1),
        };
        await using var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext();
        db.ContainerImages.Add(image);
        db.ComponentJobs.Add(job);
        db.AlgorithmJobs.Add(new AlgorithmJob
        {
            JobId = job.Id,
            AlgorithmId = algorithm.Id,
            AlgorithmImageId = image.Id,
            InterfaceId = algorithm.InterfaceIds[0],
            CreatorId = user.UserId,
            InputsKey = "",
        });
        db.AlgorithmJobViewers.Add(new AlgorithmJobViewer { JobId = job.Id, UserId = requester.UserId!.Value });
        db.AlgorithmPermissionRequests.Add(new AlgorithmPermissionRequest { AlgorithmId = algorithm.Id, UserId = requester.UserId!.Value });
        await db.SaveChangesAsync();
        return (algorithm, editor, user, image.Id, job.Id);
    }

    private (int Algorithms, int Roles, int Models, int Jobs, int ComponentJobs, int Requests, bool ImageRemoved) Footprint(Guid algorithmId, Guid imageId, Guid jobId) =>
        App.Db(db => (
            db.Algorithms.Count(a => a.Id == algorithmId),
            db.ObjectRoles.Count(r => r.ObjectKind == ObjectKinds.Algorithm && r.ObjectId == algorithmId),
            db.AlgorithmModels.Count(m => m.AlgorithmId == algorithmId),
            db.AlgorithmJobs.Count(j => j.AlgorithmId == algorithmId),
            db.ComponentJobs.Count(j => j.Id == jobId),
            db.AlgorithmPermissionRequests.Count(r => r.AlgorithmId == algorithmId),
            db.ContainerImages.Single(i => i.Id == imageId).IsRemoved));

    [Fact]
    public async Task Deleting_takes_the_algorithm_its_jobs_models_members_and_stored_images_and_only_editors_may()
    {
        var (algorithm, editor, user, image, job) = await FurnishedAlgorithmAsync(ComponentJobStatus.Succeeded);
        var modelKey = App.Db(db => db.AlgorithmModels.Single(m => m.AlgorithmId == algorithm.Id).BlobKey);
        var imageKey = App.Db(db => db.ContainerImages.Single(i => i.Id == image).BlobKey);
        var blobs = Service<GrandChallenge.Domain.Common.Storage.IBlobStore>();
        var before = Footprint(algorithm.Id, image, job);
        before.Should().Be((1, 2, 1, 1, 1, 1, false));

        (await Algorithms.DeleteAsync(user, algorithm.Id)).Kind.Should().Be(FailureKind.Forbidden);
        (await Algorithms.DeleteAsync(await UserAsync("stranger"), algorithm.Id)).Kind.Should().Be(FailureKind.NotFound);
        (await Algorithms.DeleteAsync(Actor.Anonymous, algorithm.Id)).Kind.Should().Be(FailureKind.NotFound);
        Footprint(algorithm.Id, image, job).Should().Be(before, "a refused delete changes nothing");

        var deleted = await Algorithms.DeleteAsync(editor, algorithm.Id);

        deleted.Succeeded.Should().BeTrue(deleted.Error);
        Footprint(algorithm.Id, image, job).Should().Be((0, 0, 0, 0, 0, 0, true), "the image row stays as removed so the engine clean-up untags it");
        blobs.Exists(modelKey).Should().BeFalse();
        blobs.Exists(imageKey).Should().BeFalse();
        App.Db(db => db.AlgorithmJobViewers.Count(v => v.JobId == job)).Should().Be(0);
        (await Algorithms.FindAsync(editor, algorithm.Slug)).Should().BeNull();
        (await Algorithms.DeleteAsync(editor, algorithm.Id)).Kind.Should().Be(FailureKind.NotFound);
    }

    [Fact]
    public async Task A_site_admin_deletes_any_algorithm()
    {
        var (algorithm, _, _, image, job) = await FurnishedAlgorithmAsync(ComponentJobStatus.Failed);
        var deleted = await Algorithms.DeleteAsync(await UserAsync("admin", siteAdmin: true), algorithm.Id);
        deleted.Succeeded.Should().BeTrue(deleted.Error);
        Footprint(algorithm.Id, image, job).Should().Be((0, 0, 0, 0, 0, 0, true));
    }

    [Fact]
    public async Task An_algorithm_with_a_job_waiting_or_an_image_submitted_to_a_phase_is_not_deleted()
    {
        var (busy, busyEditor, _, busyImage, busyJob) = await FurnishedAlgorithmAsync(ComponentJobStatus.Pending);
        var before = Footprint(busy.Id, busyImage, busyJob);

        var refused = await Algorithms.DeleteAsync(busyEditor, busy.Id);

        (refused.Kind, refused.FieldErrors).Should().Be((FailureKind.Invalid, (IReadOnlyDictionary<string, string[]>?)null));
        refused.Error.Should().Be("The algorithm cannot be deleted while 1 of its jobs are waiting or running; delete it when they have ended.");
        Footprint(busy.Id, busyImage, busyJob).Should().Be(before);

        var (submitted, editor, _, image, job) = await FurnishedAlgorithmAsync(ComponentJobStatus.Succeeded);
        await using (var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext())
        {
            var challenge = new GrandChallenge.Domain.Challenges.Challenge { ShortName = $"del{Guid.NewGuid():N}"[..20], Title = "Kept" };
            var phase = new GrandChallenge.Domain.Evaluations.Phase { ChallengeId = challenge.Id, Title = "Final", Slug = "final" };
            db.Challenges.Add(challenge);
            db.Phases.Add(phase);
            db.Submissions.Add(new GrandChallenge.Domain.Evaluations.Submission { PhaseId = phase.Id, AlgorithmImageId = image });
            await db.SaveChangesAsync();
        }

        before = Footprint(submitted.Id, image, job);
        (await Algorithms.DeleteAsync(editor, submitted.Id)).Error.Should().Be(AlgorithmService.SubmittedMessage);
        Footprint(submitted.Id, image, job).Should().Be(before);
    }

    private static readonly byte[] TinyPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    [Fact]
    public async Task Editors_set_replace_and_remove_a_logo_and_bad_files_change_nothing()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var user = await UserAsync("member");
        (await Algorithms.AddMemberAsync(editor, algorithm.Id, ObjectRoles.User, NameOf(user))).Succeeded.Should().BeTrue();
        var blobs = Service<GrandChallenge.Domain.Common.Storage.IBlobStore>();
        string? Key() => App.Db(db => db.Algorithms.Single(a => a.Id == algorithm.Id).LogoBlobKey);

        (await Algorithms.SetLogoAsync(user, algorithm.Id, new MemoryStream(TinyPng))).Kind.Should().Be(FailureKind.Forbidden);
        (await Algorithms.SetLogoAsync(await UserAsync("stranger"), algorithm.Id, new MemoryStream(TinyPng))).Kind.Should().Be(FailureKind.NotFound);
        var notImage = await Algorithms.SetLogoAsync(editor, algorithm.Id, new MemoryStream("<svg onload=alert(1)>"u8.ToArray()));
        notImage.FieldErrors!["logo"].Single().Should().StartWith("The logo must be a PNG or JPEG image; this file looks like");
        var tooLarge = new byte[AlgorithmService.MaxLogoBytes + 1];
        TinyPng.CopyTo(tooLarge, 0);
        (await Algorithms.SetLogoAsync(editor, algorithm.Id, new MemoryStream(tooLarge))).Error.Should().Be("The logo may be at most 2 MiB.");
        Key().Should().BeNull("no refused file was stored");
        blobs.Exists($"algorithms/{algorithm.Id:N}").Should().BeFalse();

        (await Algorithms.SetLogoAsync(editor, algorithm.Id, new MemoryStream(TinyPng))).Succeeded.Should().BeTrue();
        var first = Key();
        first.Should().StartWith($"algorithms/{algorithm.Id:N}/logo-").And.EndWith(".png");
        using (var picture = (await Algorithms.OpenLogoAsync(user, algorithm.Slug))!.Content)
        {
            using var copy = new MemoryStream();
            await picture.CopyToAsync(copy);
            copy.ToArray().Should().Equal(TinyPng);
        }

        (await Algorithms.OpenLogoAsync(await UserAsync("stranger"), algorithm.Slug)).Should().BeNull("a hidden algorithm's logo is hidden too");
        (await Algorithms.SetLogoAsync(editor, algorithm.Id, new MemoryStream(TinyPng))).Succeeded.Should().BeTrue();
        Key().Should().NotBe(first, "a new upload gets a new key, so its address changes");
        blobs.Exists(first!).Should().BeFalse("the replaced logo is deleted");

        var second = Key();
        (await Algorithms.RemoveLogoAsync(user, algorithm.Id)).Kind.Should().Be(FailureKind.Forbidden);
        (await Algorithms.RemoveLogoAsync(editor, algorithm.Id)).Succeeded.Should().BeTrue();
        Key().Should().BeNull();
        blobs.Exists(second!).Should().BeFalse();
        (await Algorithms.OpenLogoAsync(editor, algorithm.Slug)).Should().BeNull();
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteAlgorithmServiceTests(SqliteAppFixture fixture) : AlgorithmServiceTests(fixture), IClassFixture<SqliteAppFixture>;

[Trait("Category", "Postgres")]
public sealed class PostgresAlgorithmServiceTests(PostgresAppFixture fixture) : AlgorithmServiceTests(fixture), IClassFixture<PostgresAppFixture>;
